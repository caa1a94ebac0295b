/** Simulated git subcommands that read a clone: log/show, rev-parse and status. */
import { diffTrees } from '../../git-remote.ts';
import { flag, positionals } from '../types.ts';
import { notARepository, type GitCall } from './call.ts';
import { commitOf, formatCommit, historyOf, resolveRev } from './history.ts';
import { readWorkingTree } from './working-tree.ts';

export function log({ call, rest, clone }: GitCall, command: 'log' | 'show'): number {
  if (!clone) return notARepository(call);
  const limitArg = rest.find((arg) => /^-\d+$/.test(arg)) ?? (rest.includes('-n') ? `-${flag(rest, '-n')}` : undefined);
  const limit = command === 'show' ? 1 : limitArg ? Number(limitArg.slice(1)) : Number.POSITIVE_INFINITY;
  const format = rest.find((arg) => arg.startsWith('--format=') || arg.startsWith('--pretty=format:'))?.replace(/^--format=|^--pretty=format:/, '') ?? 'commit %H%nAuthor: %an%nDate:   %cI%n%n    %s';
  const rev = positionals(rest, ['-n']).find((arg) => arg !== '--') ?? 'HEAD';
  const sha = resolveRev(clone, call.world, rev);
  if (!sha) {
    call.err(`fatal: ambiguous argument '${rev}': unknown revision or path not in the working tree.`);
    return 128;
  }
  for (const commit of historyOf(clone, call.world, sha, limit)) call.out(formatCommit(format, commit));
  return 0;
}

export function revParse({ call, rest, clone }: GitCall): number {
  if (!clone) return notARepository(call);
  if (rest.includes('--abbrev-ref')) {
    call.out(clone.branch);
    return 0;
  }
  const rev = positionals(rest, []).at(-1) ?? 'HEAD';
  const sha = resolveRev(clone, call.world, rev.replace(/\^\{commit\}$/, ''));
  if (!sha) {
    call.err(`fatal: ambiguous argument '${rev}': unknown revision or path not in the working tree.`);
    return 128;
  }
  call.out(sha);
  return 0;
}

export async function status({ call, clone, repoDir }: GitCall): Promise<number> {
  if (!clone || !repoDir) return notARepository(call);
  const changes = diffTrees(commitOf(clone, call.world, clone.head)!.tree, await readWorkingTree(repoDir));
  for (const file of changes.modified) call.out(` M ${file}`);
  for (const file of changes.deleted) call.out(` D ${file}`);
  for (const file of changes.added) call.out(`?? ${file}`);
  return 0;
}
