#!/usr/bin/env node
/**
 * Run history on the `dr-drill-results` branch of the project's own repository, for GitHub and
 * GitLab alike (an orphan branch: no code, only results/<drill>/<T0>-<run>.json and
 * charts/rto-trend-<drill>.svg).
 *
 *   node scripts/ci-history.ts fetch   [--dir .dr-drill/history] [--remote origin] [--branch dr-drill-results]
 *   node scripts/ci-history.ts publish --result reports/result.json [--remote origin] [--branch dr-drill-results]
 *
 * Why a branch and not CI artifacts: a yearly drill outlives artifact retention (GitHub keeps
 * artifacts 90 days at most, GitLab expires them by default), reading earlier pipelines'
 * artifacts needs a different API per forge, and a branch is plain Git that both CI systems (and
 * a laptop) can fetch and push with the credentials they already have. Results are masked before
 * they are written, so the branch holds nothing secret.
 *
 * DR_DRILL_HISTORY_REMOTE (a URL or path) overrides the remote, e.g. for a separate results repository.
 *
 * Everything uses plumbing (fetch, archive, hash-object, mktree via a temporary index,
 * commit-tree, push), so the checkout the job runs in is never switched or modified. Publishing
 * retries when another pipeline pushed in between. Remote: `origin` by default (GitHub Actions:
 * actions/checkout's credentials with `contents: write`); on GitLab, when DR_DRILL_GITLAB_TOKEN is
 * set, https://oauth2:TOKEN@host/project.git built from CI_PROJECT_URL (CI_JOB_TOKEN cannot push).
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { $, type ProcessOutput } from 'zx';
import { historyFileName, readHistory } from '../src/history/read.ts';
import { readResult } from '../src/result/io.ts';
import { renderTrendReport } from '../src/report/trend-write.ts';
import { Masker } from '../src/util/mask.ts';

export const DEFAULT_BRANCH = 'dr-drill-results';
const IDENTITY = { GIT_AUTHOR_NAME: 'dr-drill', GIT_AUTHOR_EMAIL: 'dr-drill@users.noreply.invalid', GIT_COMMITTER_NAME: 'dr-drill', GIT_COMMITTER_EMAIL: 'dr-drill@users.noreply.invalid' };

export function historyRemote(env: Record<string, string | undefined>, explicit?: string): string {
  if (explicit) return explicit;
  if (env.DR_DRILL_HISTORY_REMOTE) return env.DR_DRILL_HISTORY_REMOTE;
  if (env.GITLAB_CI === 'true' && env.DR_DRILL_GITLAB_TOKEN && env.CI_PROJECT_URL) {
    const url = new URL(`${env.CI_PROJECT_URL}.git`);
    url.username = 'oauth2';
    url.password = env.DR_DRILL_GITLAB_TOKEN;
    return url.toString();
  }
  return 'origin';
}

interface Git {
  (args: string[], options?: { env?: Record<string, string>; nothrow?: boolean }): Promise<ProcessOutput>;
}

function gitIn(cwd: string, masker: Masker): Git {
  return async (args, options = {}) => {
    const output = await $({ cwd, quiet: true, nothrow: true, env: { ...process.env, ...IDENTITY, ...options.env } })`git ${args}`;
    if (output.exitCode !== 0 && !options.nothrow) {
      throw new Error(masker.mask(`git ${args.join(' ')} exited ${output.exitCode}: ${output.stderr.trim()}`));
    }
    return output;
  };
}

/** The branch's tip commit, or undefined when the branch does not exist yet. */
async function fetchBranch(git: Git, remote: string, branch: string, masker: Masker): Promise<string | undefined> {
  const fetched = await git(['fetch', '--quiet', '--depth=1', '--no-tags', remote, `+refs/heads/${branch}:refs/dr-drill/${branch}`], { nothrow: true });
  if (fetched.exitCode !== 0) {
    if (/couldn't find remote ref|not our ref|no such ref/i.test(fetched.stderr)) return undefined;
    throw new Error(masker.mask(`git fetch ${branch} failed: ${fetched.stderr.trim()}`));
  }
  return (await git(['rev-parse', `refs/dr-drill/${branch}`])).stdout.trim();
}

export async function fetchHistory(options: { repo: string; dir: string; remote: string; branch: string; masker: Masker }): Promise<{ commit?: string; files: number }> {
  const git = gitIn(options.repo, options.masker);
  await mkdir(options.dir, { recursive: true });
  const commit = await fetchBranch(git, options.remote, options.branch, options.masker);
  if (!commit) return { files: 0 };
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dr-drill-history-'));
  try {
    const tar = path.join(tmp, 'history.tar');
    await git(['archive', '--format=tar', '-o', tar, commit]);
    await $({ quiet: true })`tar -xf ${tar} -C ${options.dir}`;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const files = (await git(['ls-tree', '-r', '--name-only', commit])).stdout.split('\n').filter((line) => line.endsWith('.json')).length;
  return { commit, files };
}

export async function publishResult(options: { repo: string; resultFile: string; remote: string; branch: string; masker: Masker; attempts?: number }): Promise<{ commit: string; path: string }> {
  const git = gitIn(options.repo, options.masker);
  const result = await readResult(options.resultFile);
  const target = historyFileName(result);
  const content = options.masker.mask(await readFile(options.resultFile, 'utf8'));
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'dr-drill-publish-'));
  try {
    for (let attempt = 1; ; attempt++) {
      const parent = await fetchBranch(git, options.remote, options.branch, options.masker);
      // The chart on the branch always shows the whole published history, this result included.
      const historyDir = path.join(tmp, `history-${attempt}`);
      await mkdir(historyDir, { recursive: true });
      if (parent) {
        await git(['archive', '--format=tar', '-o', path.join(tmp, 'h.tar'), parent]);
        await $({ quiet: true })`tar -xf ${path.join(tmp, 'h.tar')} -C ${historyDir}`;
      }
      await mkdir(path.dirname(path.join(historyDir, target)), { recursive: true });
      await writeFile(path.join(historyDir, target), content);
      const { results } = await readHistory(historyDir);
      const { charts } = renderTrendReport(results, { drill: result.drill.name });

      const index = path.join(tmp, `index-${attempt}`);
      const env = { GIT_INDEX_FILE: index };
      if (parent) await git(['read-tree', parent], { env });
      else await git(['read-tree', '--empty'], { env });
      const add = async (file: string, text: string) => {
        const source = path.join(tmp, 'blob');
        await writeFile(source, text);
        const blob = (await git(['hash-object', '-w', source])).stdout.trim();
        await git(['update-index', '--add', '--cacheinfo', `100644,${blob},${file}`], { env });
      };
      await add(target, content);
      for (const [name, svg] of charts) await add(`charts/${name}`, options.masker.mask(svg));
      const tree = (await git(['write-tree'], { env })).stdout.trim();
      const message = `dr-drill: ${result.drill.name} ${result.status} on ${result.run.target} (run ${result.run.id})`;
      const commit = (await git(['commit-tree', tree, ...(parent ? ['-p', parent] : []), '-m', message])).stdout.trim();
      const pushed = await git(['push', '--quiet', options.remote, `${commit}:refs/heads/${options.branch}`], { nothrow: true });
      if (pushed.exitCode === 0) return { commit, path: target };
      if (attempt >= (options.attempts ?? 3)) throw new Error(options.masker.mask(`git push to ${options.branch} failed after ${attempt} attempts: ${pushed.stderr.trim()}`));
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function cli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      dir: { type: 'string', default: '.dr-drill/history' },
      result: { type: 'string' },
      remote: { type: 'string' },
      branch: { type: 'string', default: DEFAULT_BRANCH },
      repo: { type: 'string', default: process.cwd() },
    },
    strict: true,
  });
  const masker = new Masker();
  masker.addFromEnvironment(process.env);
  const remote = historyRemote(process.env, values.remote);
  masker.add(remote === 'origin' ? undefined : remote);
  if (command === 'fetch') {
    const outcome = await fetchHistory({ repo: values.repo, dir: values.dir, remote, branch: values.branch, masker });
    console.log(outcome.commit ? `history: ${outcome.files} result(s) from ${values.branch}@${outcome.commit.slice(0, 12)} in ${values.dir}` : `history: branch ${values.branch} does not exist yet; ${values.dir} is empty`);
    return 0;
  }
  if (command === 'publish') {
    if (!values.result) throw new Error('EUSAGE publish needs --result reports/result.json');
    const outcome = await publishResult({ repo: values.repo, resultFile: values.result, remote, branch: values.branch, masker });
    console.log(`history: published ${outcome.path} to ${values.branch}@${outcome.commit.slice(0, 12)}`);
    return 0;
  }
  throw new Error(`EUSAGE unknown command "${command ?? ''}": use fetch or publish`);
}

if (import.meta.main) {
  cli(process.argv.slice(2)).then(
    (code) => (process.exitCode = code),
    (error: unknown) => {
      const masker = new Masker();
      masker.addFromEnvironment(process.env);
      process.stderr.write(`${masker.mask(error instanceof Error ? error.message : String(error))}\n`);
      process.exitCode = 1;
    },
  );
}
