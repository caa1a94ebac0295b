/**
 * Builds the sample GitOps repository (a bare repo served by git-server.ts)
 * from the committed fixture tree src/cluster/local/gitops-sample/.
 */
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runChecked } from './processes.ts';

export const SAMPLE_FIXTURE_DIR = fileURLToPath(new URL('./gitops-sample/', import.meta.url));
/**
 * The branch the local target's Git server serves and the drill's Flux bootstraps from: a drill
 * branch, as the README asks of a real drill (never production's `main`, which preflight refuses).
 */
export const SAMPLE_BRANCH = 'drill/local';

export interface SampleRepo {
  /** Bare repository directory, below the git server's project root. */
  bareDir: string;
  /** Working clone used to commit changes (commitFiles). */
  workDir: string;
  /** Repository name relative to the git server root, e.g. `gitops-sample.git`. */
  name: string;
  branch: string;
  headSha: string;
}

/** Git with no user/system config, so signing or hooks on the host never interfere. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: 'dr-drill',
    GIT_AUTHOR_EMAIL: 'dr-drill@localhost',
    GIT_COMMITTER_NAME: 'dr-drill',
    GIT_COMMITTER_EMAIL: 'dr-drill@localhost',
  };
}

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await runChecked('git', args, { cwd, env: gitEnv() })).trim();
}

export async function buildSampleRepo(projectRoot: string, workRoot: string, fixtureDir: string = SAMPLE_FIXTURE_DIR): Promise<SampleRepo> {
  const name = 'gitops-sample.git';
  const workDir = join(workRoot, 'gitops-sample');
  const bareDir = join(projectRoot, name);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(projectRoot, { recursive: true });
  cpSync(fixtureDir, workDir, { recursive: true });
  await git(workDir, 'init', '--quiet', '--initial-branch', SAMPLE_BRANCH);
  await git(workDir, 'add', '--all');
  await git(workDir, 'commit', '--quiet', '--message', 'dr-drill sample GitOps tree');
  await git(projectRoot, 'init', '--quiet', '--bare', '--initial-branch', SAMPLE_BRANCH, bareDir);
  await git(workDir, 'push', '--quiet', bareDir, `${SAMPLE_BRANCH}:${SAMPLE_BRANCH}`);
  const headSha = await git(bareDir, 'rev-parse', SAMPLE_BRANCH);
  return { bareDir, workDir, name, branch: SAMPLE_BRANCH, headSha };
}

/** Writes files into the sample repo, commits and publishes them; returns the new HEAD SHA. */
export async function commitFiles(repo: SampleRepo, files: Record<string, string>, message: string): Promise<string> {
  for (const [rel, content] of Object.entries(files)) {
    const target = join(repo.workDir, rel);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  await git(repo.workDir, 'add', '--all');
  await git(repo.workDir, 'commit', '--quiet', '--message', message);
  await git(repo.workDir, 'push', '--quiet', repo.bareDir, `${repo.branch}:${repo.branch}`);
  repo.headSha = await git(repo.bareDir, 'rev-parse', repo.branch);
  return repo.headSha;
}
