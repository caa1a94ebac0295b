/** Simulated git subcommands that reach the remote: ls-remote, clone and push. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { flag, positionals } from '../types.ts';
import { notARepository, unreachable, type GitCall } from './call.ts';
import { historyOf, resolveRev } from './history.ts';
import { writeTree } from './working-tree.ts';

export async function lsRemote({ call, rest }: GitCall): Promise<number> {
  const [url, ...refs] = positionals(rest, []);
  const { world } = call;
  if (url !== world.remote.url || call.fault === 'fail') return unreachable(call, url);
  await world.work('git/clone', call.fault, call.signal);
  const branches = world.remote.branches().sort();
  const lines: string[] = [];
  if (refs.length === 0) {
    lines.push(`${world.remote.head('main')}\tHEAD`);
    for (const branch of branches) lines.push(`${world.remote.head(branch)}\trefs/heads/${branch}`);
  } else {
    for (const ref of refs) {
      if (ref === 'HEAD') lines.push(`${world.remote.head('main')}\tHEAD`);
      const branch = ref.replace(/^refs\/heads\//, '');
      if (world.remote.head(branch)) lines.push(`${world.remote.head(branch)}\trefs/heads/${branch}`);
    }
  }
  for (const line of lines) call.out(line);
  return 0;
}

export async function cloneCommand({ call, rest }: GitCall): Promise<number> {
  const { world } = call;
  const [url, directory] = positionals(rest, ['--branch', '-b', '--depth', '--filter', '--origin', '-o']);
  if (url !== world.remote.url || call.fault === 'fail') return unreachable(call, url);
  const branch = flag(rest, '--branch', '-b') ?? 'main';
  const bare = rest.includes('--bare');
  const target = path.resolve(call.cwd ?? '.', directory ?? 'gitops');
  if (!rest.includes('--quiet') && !rest.includes('-q')) call.err(`Cloning into${bare ? ' bare repository' : ''} '${directory ?? 'gitops'}'...`);
  await world.work('git/clone', call.fault, call.signal);
  const head = world.remote.head(branch);
  if (!head) {
    call.err(`warning: Could not find remote branch ${branch} to clone.`);
    call.err(`fatal: Remote branch ${branch} not found in upstream origin`);
    return 128;
  }
  await mkdir(target, { recursive: true });
  if (!bare) {
    await writeTree(target, world.remote.commit(head)!.tree);
    await mkdir(path.join(target, '.git'), { recursive: true });
    await writeFile(path.join(target, '.git', 'HEAD'), `ref: refs/heads/${branch}\n`);
  }
  world.clones.set(target, { url, branch, upstream: branch, head, bare, commits: new Map() });
  return 0;
}

export async function push(git: GitCall): Promise<number> {
  const { call, rest, clone } = git;
  const { world } = call;
  const deleting = flag(rest, '--delete', '-d');
  const [remoteName, refspec] = positionals(rest, ['--delete', '-d', '--push-option', '-o']);
  const url = remoteName === undefined || remoteName === 'origin' ? clone?.url : remoteName;
  if (url !== world.remote.url || call.fault === 'fail') return unreachable(call, url);
  await world.work('git/push', call.fault, call.signal);
  if (deleting) {
    if (!world.remote.deleteBranch(deleting.replace(/^refs\/heads\//, ''))) {
      call.err(`error: unable to delete '${deleting}': remote ref does not exist`);
      call.err(`error: failed to push some refs to '${url}'`);
      return 1;
    }
    call.err(`To ${url}`);
    call.err(` - [deleted]         ${deleting.replace(/^refs\/heads\//, '')}`);
    return 0;
  }
  if (!clone) return notARepository(call);
  const [source = 'HEAD', destination = source === 'HEAD' ? clone.branch : source] = (refspec ?? clone.branch).replace(/^\+/, '').split(':');
  const branch = destination.replace(/^refs\/heads\//, '');
  const sha = source === 'HEAD' || source === clone.branch ? clone.head : resolveRev(clone, world, source);
  if (!sha) {
    call.err(`error: src refspec ${source} does not match any`);
    call.err(`error: failed to push some refs to '${url}'`);
    return 1;
  }
  world.remote.store(historyOf(clone, world, sha, Number.POSITIVE_INFINITY).filter((commit) => clone.commits.has(commit.sha)));
  const outcome = world.remote.push(branch, sha, { force: rest.includes('--force') || rest.includes('-f') || (refspec ?? '').startsWith('+') });
  call.err(`To ${url}`);
  if (!outcome.ok) {
    call.err(` ! [rejected]        ${source} -> ${branch} (fetch first)`);
    call.err(`error: failed to push some refs to '${url}'`);
    call.err("hint: Updates were rejected because the remote contains work that you do not");
    call.err("hint: have locally. If you want to integrate the remote changes, use 'git pull'.");
    return 1;
  }
  if (!outcome.from) call.err(` * [new branch]      ${source} -> ${branch}`);
  else if (outcome.from === sha) call.err('Everything up-to-date');
  else call.err(`   ${outcome.from.slice(0, 7)}..${sha.slice(0, 7)}  ${source} -> ${branch}`);
  return 0;
}
