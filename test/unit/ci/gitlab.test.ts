import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DrillResult } from '../../../src/result/model.ts';
import { DOTENV_MAX_VARIABLES, dotenvName, renderDotenv } from '../../../src/report/dotenv.ts';

function result(milestones: number, dataClasses: number): DrillResult {
  return {
    schemaVersion: 1,
    tool: { name: 'dr-drill', version: '0.1.0' },
    drill: { name: 'cold-start', file: 'drills/cold-start.yaml', scenario: 'cold-start' },
    run: { id: '20261125-abcdef', target: 'sim', startedAt: '2026-11-25T10:00:00.000Z', endedAt: '2026-11-25T11:00:00.000Z', durationMs: 3_600_000, timeScale: 600 },
    status: 'failed',
    reason: 'an objective was missed',
    exitCode: 2,
    phases: [],
    steps: [],
    milestones: Array.from({ length: milestones }, (_, index) => ({
      name: `milestone-${index}`,
      after: [],
      reached: index !== 1,
      ...(index !== 1 ? { rtoMs: 60_500 * (index + 1) } : {}),
      objectiveMs: 100_000,
      verdict: index === 1 ? ('not-reached' as const) : ('met' as const),
      criticalPath: [],
    })),
    rpo: Array.from({ length: dataClasses }, (_, index) => ({ dataClass: `class ${index}`, achievedMs: 1_000 * index, objectiveMs: 5_000, verdict: 'met' as const, samples: [] })),
    errors: [],
  };
}

test('dr-drill.env holds the verdict and the achieved RTO/RPO in GitLab\'s dotenv subset', () => {
  assert.equal(
    renderDotenv(result(2, 1)),
    [
      'DR_DRILL_VERDICT=failed',
      'DR_DRILL_EXIT_CODE=2',
      'DR_DRILL_NAME=cold-start',
      'DR_DRILL_TARGET=sim',
      'DR_DRILL_RUN_ID=20261125-abcdef',
      'DR_DRILL_OBJECTIVES_MISSED=1',
      'DR_DRILL_RTO_MILESTONE_0_SECONDS=60.5',
      'DR_DRILL_RPO_CLASS_0_SECONDS=0',
      '',
    ].join('\n'),
  );
});

test('the dotenv report stays within 20 variables, one NAME=value per line, no quotes or spaces', () => {
  const text = renderDotenv(result(30, 10));
  const lines = text.trimEnd().split('\n');
  assert.equal(lines.length, DOTENV_MAX_VARIABLES);
  for (const line of lines) assert.match(line, /^[A-Z0-9_]+=[A-Za-z0-9_.:\/-]*$/);
  assert.ok(Buffer.byteLength(text) < 5 * 1024);
  assert.equal(dotenvName('critical-apps'), 'CRITICAL_APPS');
});
