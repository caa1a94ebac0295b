#!/usr/bin/env node
/**
 * Pipeline entry point for the trend report:
 *   node scripts/ci-trend.ts [--comment auto|github|gitlab|none] [--pr N] [--history-branch B] -- <dr-drill trend arguments>
 * Runs `dr-drill trend`, then posts trend.md as one pull request comment (GitHub) or merge
 * request note (GitLab), created on the first pipeline and updated in place afterwards. In the
 * comment the chart is the one on the results branch (a URL both forges render); the trend.md in
 * the artifacts points at the same URL. The GitHub job summary gets the trend too.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import * as core from '@actions/core';
import { main } from '../src/cli/main.ts';
import { githubCommentTarget, upsertNote } from '../src/ci/comment.ts';
import { gitlabNoteTarget } from '../src/ci/gitlab.ts';
import { TREND_FILE } from '../src/report/trend-write.ts';
import { Masker } from '../src/util/mask.ts';
import { DEFAULT_BRANCH } from './ci-history.ts';

export function defaultChartUrl(env: Record<string, string | undefined>, branch: string): string | undefined {
  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/raw/${branch}/charts`;
  if (env.GITLAB_CI === 'true' && env.CI_PROJECT_URL) return `${env.CI_PROJECT_URL}/-/raw/${branch}/charts`;
  return undefined;
}

export async function cli(argv: string[], env: Record<string, string | undefined> = process.env): Promise<number> {
  const split = argv.indexOf('--');
  const own = split === -1 ? argv : argv.slice(0, split);
  const trendArgs = split === -1 ? [] : argv.slice(split + 1);
  const { values } = parseArgs({
    args: own,
    options: { comment: { type: 'string', default: 'auto' }, pr: { type: 'string' }, 'history-branch': { type: 'string', default: DEFAULT_BRANCH } },
    strict: true,
  });
  const masker = new Masker();
  masker.addFromEnvironment(env);
  const print = (text: string) => process.stdout.write(`${masker.mask(text)}\n`);
  const printErr = (text: string) => process.stderr.write(`${masker.mask(text)}\n`);
  const provider = values.comment === 'auto' ? (env.GITHUB_ACTIONS === 'true' ? 'github' : env.GITLAB_CI === 'true' ? 'gitlab' : 'none') : values.comment;
  if (!['github', 'gitlab', 'none'].includes(provider)) {
    printErr(`EUSAGE --comment must be auto, github, gitlab or none, got "${provider}"`);
    return 3;
  }
  const chartUrl = trendArgs.includes('--chart-url') ? undefined : defaultChartUrl(env, values['history-branch']);
  const code = await main(['trend', ...trendArgs, ...(chartUrl ? ['--chart-url', chartUrl] : [])], { stdout: print, stderr: printErr, env });
  if (code !== 0) return code;
  const outIndex = trendArgs.indexOf('--out');
  const outDir = outIndex === -1 ? 'reports' : (trendArgs[outIndex + 1] ?? 'reports');
  const markdown = await readFile(path.join(outDir, TREND_FILE), 'utf8');

  if (env.GITHUB_ACTIONS === 'true' && env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(masker.mask(markdown), true).write();
  if (provider === 'none') return 0;
  try {
    const target = provider === 'github' ? githubCommentTarget(env, values.pr) : gitlabNoteTarget(env);
    masker.add(target.token);
    const outcome = await upsertNote(target, 'rto-trend', markdown);
    print(`${provider === 'github' ? 'pull request comment' : 'merge request note'} ${outcome.id} ${outcome.action}${outcome.url ? `: ${outcome.url}` : ''}`);
    return 0;
  } catch (error) {
    const details = (error as { details?: string }).details;
    printErr(`${(error as { code?: string }).code ?? 'ECOMMAND'} ${(error as Error).message}${details ? `\n  ${details.replace(/\n/g, '\n  ')}` : ''}`);
    return 1;
  }
}

if (import.meta.main) {
  process.exitCode = await cli(process.argv.slice(2));
}
