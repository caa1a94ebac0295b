/** A clone's commit history: lookup by (short) sha, first-parent walks, revision expressions and --format. */
import type { SimCommit } from '../../git-remote.ts';
import type { SimClone } from '../../world.ts';
import type { ToolInvocation } from '../types.ts';

export function commitOf(clone: SimClone, world: ToolInvocation['world'], sha: string): SimCommit | undefined {
  return clone.commits.get(sha) ?? [...clone.commits.values()].find((commit) => sha.length >= 7 && commit.sha.startsWith(sha)) ?? world.remote.commit(sha);
}

export function historyOf(clone: SimClone, world: ToolInvocation['world'], sha: string, limit: number): SimCommit[] {
  const history: SimCommit[] = [];
  let current = commitOf(clone, world, sha);
  while (current && history.length < limit) {
    history.push(current);
    current = current.parents[0] ? commitOf(clone, world, current.parents[0]) : undefined;
  }
  return history;
}

export function resolveRev(clone: SimClone, world: ToolInvocation['world'], rev: string): string | undefined {
  const match = /^(HEAD|[0-9a-f]{7,40})((?:~\d*|\^)*)$/.exec(rev);
  if (!match) return undefined;
  let sha: string | undefined = match[1] === 'HEAD' ? clone.head : commitOf(clone, world, match[1]!)?.sha;
  for (const step of match[2]!.match(/~\d*|\^/g) ?? []) {
    const count = step === '^' || step === '~' ? 1 : Number(step.slice(1));
    for (let index = 0; index < count && sha; index++) sha = commitOf(clone, world, sha)?.parents[0];
  }
  return sha;
}

export function formatCommit(format: string, commit: SimCommit): string {
  return format
    .replaceAll('%H', commit.sha)
    .replaceAll('%h', commit.sha.slice(0, 7))
    .replaceAll('%P', commit.parents.join(' '))
    .replaceAll('%cI', commit.time.replace('Z', '+00:00'))
    .replaceAll('%ct', String(Math.floor(Date.parse(commit.time) / 1000)))
    .replaceAll('%an', commit.author.replace(/ <.*$/, ''))
    .replaceAll('%s', commit.message.split('\n')[0]!)
    .replaceAll('%x09', '\t')
    .replaceAll('%n', '\n');
}
