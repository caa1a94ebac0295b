/**
 * A corpus of malformed drills, one per class of mistake: every one is refused before T0 by both
 * `validate` (the same checks, for every configured target) and `run`, with a code, a position in
 * the file and a fix. Nothing runs: no result.json is written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadDrillFile } from '../../../src/drill/load.ts';
import { buildPlan } from '../../../src/drill/plan.ts';
import type { TargetKind } from '../../../src/drill/schema.ts';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { runDrill } from '../../../src/run-drill.ts';
import { DrillError, DrillErrors } from '../../../src/util/errors.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { runCli } from '../../helpers/cli.ts';

const HEADER = 'apiVersion: dr-drill.io/v1\nkind: Drill\nname: m\nscenario: cold-start\n';
const STEP = '{ id: a, kind: command, with: { run: ["true"] } }';
const PHASES = `phases:\n  - name: p\n    steps:\n      - ${STEP}\n      - { id: b, kind: command, with: { run: ["true"] } }\n`;
const valid = (extra = '', phases = PHASES) => `${HEADER}${extra}${phases}`;
const withStep = (step: string) => valid('', `phases:\n  - name: p\n    steps:\n      - ${STEP}\n      - ${step}\n`);

const corpus: [string, string][] = [
  ['empty file', ''],
  ['a list, not a mapping', '- a\n- b\n'],
  ['a scalar', 'hello\n'],
  ['binary garbage', '\u0000\u0001\u0002 : : ]['],
  ['tab indentation', `${HEADER}phases:\n\t- name: p\n`],
  ['unclosed quote', `${HEADER}description: "open\nphases: []\n`],
  ['unclosed flow', `${HEADER}phases: [ { name: p\n`],
  ['duplicate key', `${HEADER}name: again\n${PHASES}`],
  ['alias bomb', `${HEADER}x0: &a [l,l,l,l,l,l,l,l,l]\nx1: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nx2: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nx3: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n${PHASES}`],
  ['deep nesting in flow', `${HEADER}variables: { X: ${'['.repeat(5000)}${']'.repeat(5000)} }\n${PHASES}`],
  ['deep nesting in blocks', `${HEADER}${Array.from({ length: 80 }, (_, depth) => `${'  '.repeat(depth)}k${depth}:`).join('\n')} 1\n${PHASES}`],
  ['missing apiVersion', valid().replace('apiVersion: dr-drill.io/v1\n', '')],
  ['wrong apiVersion', valid().replace('dr-drill.io/v1', 'dr-drill.io/v2')],
  ['missing kind', valid().replace('kind: Drill\n', '')],
  ['wrong kind', valid().replace('kind: Drill', 'kind: Drills')],
  ['missing name', valid().replace('name: m\n', '')],
  ['name with spaces', valid().replace('name: m', 'name: my drill')],
  ['name too long', valid().replace('name: m', `name: ${'a'.repeat(200)}`)],
  ['missing scenario', valid().replace('scenario: cold-start\n', '')],
  ['unknown scenario', valid().replace('scenario: cold-start', 'scenario: meteor')],
  ['unknown target', valid('target: aws\n')],
  ['unknown top-level field', valid('phasess: []\n')],
  ['no phases', `${HEADER}`],
  ['empty phases', `${HEADER}phases: []\n`],
  ['phases not a list', `${HEADER}phases: { p: 1 }\n`],
  ['phase without name', `${HEADER}phases:\n  - steps: [${STEP}]\n`],
  ['phase without steps', `${HEADER}phases:\n  - name: p\n`],
  ['phase with empty steps', `${HEADER}phases:\n  - name: p\n    steps: []\n`],
  ['duplicate phase', `${HEADER}phases:\n  - name: p\n    steps: [${STEP}]\n  - name: p\n    steps: [{ id: b, kind: command, with: { run: ["true"] } }]\n`],
  ['phase depends on unknown', `${HEADER}phases:\n  - name: p\n    dependsOn: [q]\n    steps: [${STEP}]\n`],
  ['phase depends on itself', `${HEADER}phases:\n  - name: p\n    dependsOn: [p]\n    steps: [${STEP}]\n`],
  ['phase cycle', `${HEADER}phases:\n  - name: p\n    dependsOn: [q]\n    steps: [${STEP}]\n  - name: q\n    dependsOn: [p]\n    steps: [{ id: b, kind: command, with: { run: ["true"] } }]\n`],
  ['unknown phase field', `${HEADER}phases:\n  - name: p\n    parallel: true\n    steps: [${STEP}]\n`],
  ['step without id', withStep('{ kind: command, with: { run: ["true"] } }')],
  ['step without kind', withStep('{ id: c, with: { run: ["true"] } }')],
  ['step id with spaces', withStep('{ id: "c d", kind: command, with: { run: ["true"] } }')],
  ['duplicate step id', withStep('{ id: a, kind: command, with: { run: ["true"] } }')],
  ['unknown kind', withStep('{ id: c, kind: terraform.aply, with: {} }')],
  ['unknown step field', withStep('{ id: c, kind: command, retry: 2, with: { run: ["true"] } }')],
  ['timeout zero', withStep('{ id: c, kind: command, timeout: 0s, with: { run: ["true"] } }')],
  ['timeout negative', withStep('{ id: c, kind: command, timeout: -5m, with: { run: ["true"] } }')],
  ['timeout in words', withStep('{ id: c, kind: command, timeout: 8 hours, with: { run: ["true"] } }')],
  ['timeout with a space', withStep('{ id: c, kind: command, timeout: 45 min, with: { run: ["true"] } }')],
  ['timeout too long', withStep('{ id: c, kind: command, timeout: 30d, with: { run: ["true"] } }')],
  ['timeout a number', withStep('{ id: c, kind: command, timeout: 300, with: { run: ["true"] } }')],
  ['timeout huge number text', withStep(`{ id: c, kind: command, timeout: ${'9'.repeat(400)}s, with: { run: ["true"] } }`)],
  ['retries negative', withStep('{ id: c, kind: command, retries: -1, with: { run: ["true"] } }')],
  ['retries fractional', withStep('{ id: c, kind: command, retries: 1.5, with: { run: ["true"] } }')],
  ['retries a string', withStep('{ id: c, kind: command, retries: many, with: { run: ["true"] } }')],
  ['retry delay in words', withStep('{ id: c, kind: command, retries: 1, retryDelay: soon, with: { run: ["true"] } }')],
  ['retry delay too long', withStep('{ id: c, kind: command, retries: 1, retryDelay: 2d, with: { run: ["true"] } }')],
  ['command without run', withStep('{ id: c, kind: command, with: {} }')],
  ['command run not a list', withStep('{ id: c, kind: command, with: { run: 42 } }')],
  ['command unknown input', withStep('{ id: c, kind: command, with: { run: ["true"], shell: bash } }')],
  ['http.check without url', withStep('{ id: c, kind: http.check, with: {} }')],
  ['http.check bad status', withStep('{ id: c, kind: http.check, with: { url: "https://x.invalid", expectStatus: ok } }')],
  ['k8s.wait without kind', withStep('{ id: c, kind: k8s.wait, with: { apiVersion: v1 } }')],
  ['flux.wait unknown input', withStep('{ id: c, kind: flux.wait, with: { kustomizationz: [apps] } }')],
  ['terraform.apply without dir', withStep('{ id: c, kind: terraform.apply, with: { workspace: drill-x } }')],
  ['velero.restore unknown input', withStep('{ id: c, kind: velero.restore, with: { everything: true } }')],
  ['restic.restore without repository', withStep('{ id: c, kind: restic.restore, with: {} }')],
  ['script without file', withStep('{ id: c, kind: script, with: {} }')],
  ['with not a mapping', withStep('{ id: c, kind: command, with: [a] }')],
  ['unclosed expression', withStep('{ id: c, kind: command, with: { run: ["echo", "${steps.a.outputs.value"] } }')],
  ['empty expression', withStep('{ id: c, kind: command, with: { run: ["echo", "${}"] } }')],
  ['unknown expression root', withStep('{ id: c, kind: command, with: { run: ["echo", "${secrets.token}"] } }')],
  ['reference to unknown step', withStep('{ id: c, kind: command, with: { run: ["echo", "${steps.zz.outputs.value}"] } }')],
  ['reference to a later step', valid('', `phases:\n  - name: p\n    steps:\n      - { id: a, kind: command, with: { run: ["echo", "\${steps.b.outputs.value}"] } }\n      - { id: b, kind: command, with: { run: ["true"] } }\n`)],
  ['reference to a parallel phase', `${HEADER}phases:\n  - name: p\n    steps: [${STEP}]\n  - name: q\n    dependsOn: []\n    steps: [{ id: b, kind: command, with: { run: ["echo", "\${steps.a.outputs.value}"] } }]\n`],
  ['malformed step reference', withStep('{ id: c, kind: command, with: { run: ["echo", "${steps.a.value}"] } }')],
  ['undefined variable', withStep('{ id: c, kind: command, with: { run: ["echo", "${vars.NOPE}"] } }')],
  ['variable using a step', valid('variables:\n  X: "${steps.a.outputs.value}"\n')],
  ['variables not strings', valid('variables:\n  X: [1, 2]\n')],
  ['finally reads a main step output', valid('finally:\n  - { id: t, kind: command, with: { run: ["echo", "${steps.a.outputs.value}"] } }\n')],
  ['finally reads a later finally step', valid('finally:\n  - { id: t, kind: command, with: { run: ["echo", "${steps.u.outputs.value}"] } }\n  - { id: u, kind: command, with: { run: ["true"] } }\n')],
  ['finally step id clashes with a step', valid('finally:\n  - { id: a, kind: command, with: { run: ["true"] } }\n')],
  ['finally not a list', valid('finally: { id: t }\n')],
  ['milestone without after', valid('milestones:\n  m: {}\n')],
  ['milestone with empty after', valid('milestones:\n  m: { after: [] }\n')],
  ['milestone names unknown step', valid('milestones:\n  m: { after: [zz] }\n')],
  ['milestone names a finally step', valid('milestones:\n  m: { after: [t] }\nfinally:\n  - { id: t, kind: command, with: { run: ["true"] } }\n')],
  ['milestone unknown field', valid('milestones:\n  m: { after: [a], at: 1h }\n')],
  ['RTO objective for unknown milestone', valid('objectives:\n  rto: { ghost: 1h }\n')],
  ['RTO objective zero', valid('objectives:\n  rto: { m: 0s }\nmilestones:\n  m: { after: [a] }\n')],
  ['RTO objective absurd', valid('objectives:\n  rto: { m: 100000d }\nmilestones:\n  m: { after: [a] }\n')],
  ['RTO objective in words', valid('objectives:\n  rto: { m: four hours }\nmilestones:\n  m: { after: [a] }\n')],
  ['RPO objective nobody measures', valid('objectives:\n  rpo: { data: 24h }\n')],
  ['RPO class without objective', withStep('{ id: c, kind: command, rpo: media, with: { run: ["true"] } }')],
  ['RPO objective negative', valid('objectives:\n  rpo: { data: -1h }\n')],
  ['unknown objectives field', valid('objectives:\n  mttr: { m: 1h }\n')],
  ['secrets not env names', valid('secrets: ["lower case"]\n')],
  ['secrets not a list', valid('secrets: TOKEN\n')],
  ['override of unknown step (this target)', valid('targets:\n  sim:\n    steps:\n      zz: { notApplicable: no }\n')],
  ['override of unknown step (another target)', valid('targets:\n  local:\n    steps:\n      zz: { notApplicable: no }\n')],
  ['override with unknown kind', valid('targets:\n  local:\n    steps:\n      a: { kind: local.upp }\n')],
  ['override with bad inputs on another target', valid('targets:\n  local:\n    steps:\n      a: { with: { nope: 1 } }\n')],
  ['override with unknown field', valid('targets:\n  sim:\n    steps:\n      a: { skip: true }\n')],
  ['override of unknown milestone', valid('targets:\n  local:\n    milestones:\n      ghost: { after: [a] }\n')],
  ['unknown target options', valid('targets:\n  aws: {}\n')],
  ['sim time scale zero', valid('targets:\n  sim:\n    timeScale: 0\n')],
  ['sim time scale negative', valid('targets:\n  sim:\n    timeScale: -5\n')],
  ['sim time scale a string', valid('targets:\n  sim:\n    timeScale: fast\n')],
  ['sim durations bad', valid('targets:\n  sim:\n    durations: { flux/apps: soon }\n')],
  ['sim backup age in words', valid('targets:\n  sim:\n    backupAge: yesterday\n')],
  ['sim cluster mode unknown', valid('targets:\n  sim:\n    cluster: borrowed\n')],
  ['local unknown option', valid('targets:\n  local:\n    nodes: 3\n')],
  ['control without faults', valid('controls:\n  - name: c\n    faults: {}\n')],
  ['control fault unknown', valid('controls:\n  - name: c\n    faults: { a: explode }\n')],
  ['control names unknown step', valid('controls:\n  - name: c\n    faults: { zz: fail }\n')],
  ['control detectedBy unknown step', valid('controls:\n  - name: c\n    faults: { a: fail }\n    detectedBy: [zz]\n')],
  ['preflight unknown field', valid('preflight:\n  skipp: [tools]\n')],
  ['production unknown field', valid('production:\n  clusters: [prod]\n')],
];

async function refusals(yaml: string, dir: string, index: number): Promise<{ validate: DrillError[]; run: DrillError[]; ran: boolean }> {
  const file = path.join(dir, `malformed-${index}.yaml`);
  await writeFile(file, yaml);
  const collect = (error: unknown): DrillError[] => {
    if (error instanceof DrillErrors) return error.errors;
    if (error instanceof DrillError) return [error];
    throw error;
  };
  let validate: DrillError[] = [];
  try {
    const loaded = await loadDrillFile(file);
    for (const target of new Set([loaded.spec.target, ...(Object.keys(loaded.spec.targets) as TargetKind[])])) buildPlan(loaded, stepRegistry, { target });
  } catch (error) {
    validate = collect(error);
  }
  const out = path.join(dir, `out-${index}`);
  let run: DrillError[] = [];
  try {
    await runDrill({ file, outDir: out, env: {}, target: 'sim' });
  } catch (error) {
    run = collect(error);
  }
  return { validate, run, ran: existsSync(path.join(out, 'result.json')) };
}

test(`${corpus.length} malformed drills are refused before T0 by validate and run, each with a position and a fix`, async () => {
  assert.ok(corpus.length >= 100, `a corpus of ${corpus.length}`);
  const dir = await tempDir();
  const accepted: string[] = [];
  for (const [index, [label, yaml]] of corpus.entries()) {
    const { validate, run, ran } = await refusals(yaml, dir, index);
    if (validate.length === 0 || run.length === 0 || ran) {
      accepted.push(`${label}: validate ${validate.length} error(s), run ${run.length} error(s)${ran ? ', and it ran' : ''}`);
      continue;
    }
    for (const error of [...validate, ...run]) {
      assert.notEqual(error.code, 'EINTERNAL', `${label}: ${error.message}`);
      assert.ok(error.location?.file, `${label}: names the file (${error.message})`);
      assert.ok(error.location?.line !== undefined || yaml === '', `${label}: names the line (${error.message})`);
      assert.ok(error.details && error.details.length > 0, `${label}: says how to fix it (${error.message})`);
      assert.doesNotMatch(error.message, /call stack|undefined|\[object Object\]/, `${label}: ${error.message}`);
    }
  }
  assert.deepEqual(accepted, [], 'every malformed drill is refused');
});

test('the CLI refuses a malformed drill with exit 3 for validate and for run, and runs nothing', async () => {
  const dir = await tempDir();
  const file = path.join(dir, 'bad.yaml');
  await writeFile(file, valid('finally:\n  - { id: t, kind: command, with: { run: ["echo", "${steps.a.outputs.value}"] } }\n'));
  const validated = await runCli(['validate', file]);
  assert.equal(validated.code, 3, validated.stderr);
  assert.match(validated.stderr, /bad\.yaml:\d+:\d+ EUNKNOWNREF .*a finally step cannot rely on step "a"/);
  const out = path.join(dir, 'out');
  const ran = await runCli(['run', file, '--out', out]);
  assert.equal(ran.code, 3, ran.stderr);
  assert.equal(existsSync(path.join(out, 'result.json')), false);
});
