/**
 * What the Git step kinds share: the guard that keeps them on the drill's own branch, a clone in
 * the run directory, commit and push with the drill as author, and commit metadata.
 */
import path from 'node:path';
import { DrillError } from '../../util/errors.ts';
import type { StepContext } from '../../contract/step.ts';

export const AUTHOR = { name: 'dr-drill', email: 'dr-drill@localhost' };

/**
 * A drill rewrites history only on a branch of its own: one whose name holds the run id as a
 * whole part (drill/<run id>, drift-<run id>). Production's Flux syncs another branch; a
 * destructive commit or a revert there is a production incident, not a drill.
 */
export function assertDrillBranch(context: StepContext, branch: string, allowShared: boolean): void {
  if (allowShared) return;
  const parts = branch.split(/[/_.-]/);
  const own = context.runId.split(/[/_.-]/);
  const holds = parts.some((_, index) => own.every((part, offset) => parts[index + offset] === part));
  if (!holds) {
    throw new DrillError('EPRODTARGET', `refusing to change branch "${branch}": it is not this drill run's branch`, {
      details: `Git steps push only to a branch whose name holds the run id (e.g. drill/\${run.id}); create it with git.branch and bootstrap the drill cluster's Flux from it. Set allowSharedBranch: true only for a branch no production cluster syncs.`,
    });
  }
}

/** The password of an https URL is a credential: mask it before any command shows the URL. */
export function registerUrlSecret(context: StepContext, url: string): void {
  try {
    const password = new URL(url).password;
    if (password) context.addSecret(decodeURIComponent(password));
  } catch {
    // scp-like URLs (git@host:repo) carry no password.
  }
}

export async function remoteHead(context: StepContext, url: string, branch: string): Promise<string | undefined> {
  const listed = await context.shell.run('git', ['ls-remote', url, `refs/heads/${branch}`], { signal: context.signal });
  return listed.stdout.split('\n').find((line) => line.endsWith(`\trefs/heads/${branch}`))?.split('\t')[0];
}

export async function cloneBranch(context: StepContext, url: string, branch: string, depth: number): Promise<string> {
  const dir = path.join(context.workDir, `git-${context.stepId}-${context.attempt}`);
  try {
    await context.shell.run('git', ['clone', '--quiet', `--depth=${depth}`, '--branch', branch, url, dir], { signal: context.signal });
  } catch (error) {
    throw new DrillError('EGIT', `cannot clone branch ${branch} of ${url}`, { details: 'check url:, branch: and the credentials', cause: error });
  }
  return dir;
}

export function git(context: StepContext, dir: string, args: string[], options: { allowFailure?: boolean } = {}) {
  return context.shell.run('git', ['-C', dir, '-c', `user.name=${AUTHOR.name}`, '-c', `user.email=${AUTHOR.email}`, ...args], { signal: context.signal, ...options });
}

export interface CommitInfo {
  sha: string;
  parents: string[];
  time: string;
  subject: string;
}

export async function commitInfo(context: StepContext, dir: string, rev: string, count = 1): Promise<CommitInfo[]> {
  const result = await git(context, dir, ['log', `-${count}`, '--format=%H%x09%P%x09%cI%x09%s', rev]);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const [sha, parents, time, ...subject] = line.split('\t');
      return { sha: sha!, parents: parents ? parents.split(' ').filter(Boolean) : [], time: new Date(time!).toISOString(), subject: subject.join('\t') };
    });
}

export async function push(context: StepContext, dir: string, branch: string): Promise<void> {
  try {
    await git(context, dir, ['push', 'origin', `HEAD:refs/heads/${branch}`]);
  } catch (error) {
    throw new DrillError('EGIT', `push to ${branch} was rejected`, { details: 'someone else pushed to the drill branch meanwhile, or the credentials cannot write; see the step log', cause: error });
  }
}
