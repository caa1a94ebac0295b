/** Simulated git subcommands that make history in a clone: checkout -b, commit and revert. */
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { commitSha, diffTrees, type SimCommit, type Tree } from '../../git-remote.ts';
import type { SimClone } from '../../world.ts';
import { flag, positionals, type ToolInvocation } from '../types.ts';
import { notARepository, type GitCall } from './call.ts';
import { commitOf, resolveRev } from './history.ts';
import { readWorkingTree, writeTree } from './working-tree.ts';

export function checkout({ call, rest, clone }: GitCall): number {
  if (!clone) return notARepository(call);
  const branch = flag(rest, '-b', '-c', '-B');
  if (!branch) {
    call.err('error: the simulated git checks out new branches only (checkout -b NAME)');
    return 1;
  }
  clone.branch = branch;
  call.err(`Switched to a new branch '${branch}'`);
  return 0;
}

function author(git: GitCall): string {
  const name = git.config['user.name'] ?? git.call.env.GIT_AUTHOR_NAME ?? git.call.env.GIT_COMMITTER_NAME;
  const email = git.config['user.email'] ?? git.call.env.GIT_AUTHOR_EMAIL ?? git.call.env.GIT_COMMITTER_EMAIL;
  return `${name ?? 'dr-drill'} <${email ?? 'dr-drill@localhost'}>`;
}

function record(git: GitCall, clone: SimClone, tree: Tree, message: string): SimCommit {
  const time = git.call.world.isoTime();
  const who = author(git);
  const parents = [clone.head];
  const sha = commitSha({ parents, time, author: who, message, tree });
  const created: SimCommit = { sha, parents, time, author: who, message, tree };
  clone.commits.set(sha, created);
  clone.head = sha;
  return created;
}

function printCommitSummary(call: ToolInvocation, branch: string, created: SimCommit, before: Tree): void {
  const changes = diffTrees(before, created.tree);
  const count = changes.added.length + changes.modified.length + changes.deleted.length;
  const lines = (tree: Tree, files: string[]) => files.reduce((sum, file) => sum + (tree.get(file)?.split('\n').filter(Boolean).length ?? 0), 0);
  const insertions = lines(created.tree, [...changes.added, ...changes.modified]);
  const deletions = lines(before, [...changes.deleted, ...changes.modified]);
  call.out(`[${branch} ${created.sha.slice(0, 7)}] ${created.message.split('\n')[0]}`);
  call.out(` ${count} file${count === 1 ? '' : 's'} changed${insertions ? `, ${insertions} insertion${insertions === 1 ? '' : 's'}(+)` : ''}${deletions ? `, ${deletions} deletion${deletions === 1 ? '' : 's'}(-)` : ''}`);
  for (const file of changes.added) call.out(` create mode 100644 ${file}`);
  for (const file of changes.deleted) call.out(` delete mode 100644 ${file}`);
}

export async function commit(git: GitCall): Promise<number> {
  const { call, rest, clone, repoDir } = git;
  if (!clone || !repoDir) return notARepository(call);
  const message = flag(rest, '-m', '--message');
  if (!message) {
    call.err('error: the simulated git needs the message as -m MESSAGE');
    return 1;
  }
  const before = commitOf(clone, call.world, clone.head)!.tree;
  const tree = await readWorkingTree(repoDir);
  const changes = diffTrees(before, tree);
  if (changes.added.length + changes.modified.length + changes.deleted.length === 0 && !rest.includes('--allow-empty')) {
    call.out(`On branch ${clone.branch}`);
    call.out('nothing to commit, working tree clean');
    return 1;
  }
  printCommitSummary(call, clone.branch, record(git, clone, tree, message), before);
  return 0;
}

export async function revert(git: GitCall): Promise<number> {
  const { call, rest, clone, repoDir } = git;
  if (!clone || !repoDir) return notARepository(call);
  const revs = positionals(rest, ['-m', '--mainline']);
  if (revs.length === 0) {
    call.err('usage: git revert [--[no-]edit] [-n] [-m <parent-number>] [-s] [-S[<keyid>]] <commit>...');
    return 129;
  }
  for (const rev of revs) {
    const sha = resolveRev(clone, call.world, rev);
    const target = sha ? commitOf(clone, call.world, sha) : undefined;
    if (!target) {
      call.err(`fatal: bad revision '${rev}'`);
      return 128;
    }
    const parent = target.parents[0] ? commitOf(clone, call.world, target.parents[0]) : undefined;
    if (!parent) {
      call.err(`error: commit ${target.sha} is a root commit; the simulated git cannot revert it`);
      return 1;
    }
    const current = commitOf(clone, call.world, clone.head)!.tree;
    const changes = diffTrees(parent.tree, target.tree);
    const next = new Map(current);
    const conflicts: string[] = [];
    for (const file of [...changes.added, ...changes.modified, ...changes.deleted]) {
      // A three-way revert: the path must still be as the commit left it.
      if (current.get(file) !== target.tree.get(file) || call.fault === 'fail') conflicts.push(file);
      const restored = parent.tree.get(file);
      if (restored === undefined) next.delete(file);
      else next.set(file, restored);
    }
    if (conflicts.length > 0) {
      for (const file of conflicts) call.out(`CONFLICT (content): Merge conflict in ${file}`);
      call.err(`error: could not revert ${target.sha.slice(0, 7)}... ${target.message.split('\n')[0]}`);
      call.err('hint: After resolving the conflicts, mark them with');
      call.err('hint: "git add/rm <pathspec>", then run');
      call.err('hint: "git revert --continue".');
      return 1;
    }
    for (const file of current.keys()) if (!next.has(file)) await rm(path.join(repoDir, file), { force: true });
    await writeTree(repoDir, next);
    const subject = target.message.split('\n')[0]!;
    printCommitSummary(call, clone.branch, record(git, clone, next, `Revert "${subject}"\n\nThis reverts commit ${target.sha}.`), current);
  }
  return 0;
}
