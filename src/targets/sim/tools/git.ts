/**
 * Simulated git against the simulated GitOps remote, answering as git 2.47 does: ls-remote,
 * clone (files on disk, bare or not), log/show/rev-parse, checkout -b, add, status, commit (from
 * the working tree on disk), revert (the inverse of a commit's changes, refusing conflicts) and
 * push (fast-forward only unless forced; --delete). Faults: `fail` makes the remote unreachable
 * (and a revert conflict), `slow`/`hang` slow down network operations.
 */
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { commitSha, diffTrees, type SimCommit, type Tree } from '../git-remote.ts';
import type { SimClone } from '../world.ts';
import { flag, positionals, type SimTool, type ToolInvocation } from './types.ts';

export const git: SimTool = async (call) => {
  const args = [...call.args];
  let workDir = call.cwd;
  let gitDir: string | undefined;
  const config: Record<string, string> = {};
  // Global options before the subcommand.
  for (;;) {
    if (args[0] === '-C') {
      workDir = path.resolve(workDir ?? '.', args[1] ?? '.');
      args.splice(0, 2);
    } else if (args[0] === '--git-dir') {
      gitDir = path.resolve(workDir ?? '.', args[1] ?? '.');
      args.splice(0, 2);
    } else if (args[0]?.startsWith('--git-dir=')) {
      gitDir = path.resolve(workDir ?? '.', args[0].slice('--git-dir='.length));
      args.splice(0, 1);
    } else if (args[0] === '-c') {
      const [key, ...value] = (args[1] ?? '').split('=');
      if (key) config[key] = value.join('=');
      args.splice(0, 2);
    } else break;
  }
  const [command, ...rest] = args;
  const repoDir = gitDir ?? (workDir ? path.resolve(workDir) : undefined);
  const clone = repoDir ? call.world.clones.get(repoDir) : undefined;
  const git = { call, rest, clone, repoDir, config };
  switch (command) {
    case 'ls-remote':
      return lsRemote(git);
    case 'clone':
      return cloneCommand(git);
    case 'log':
    case 'show':
      return log(git, command);
    case 'rev-parse':
      return revParse(git);
    case 'checkout':
    case 'switch':
      return checkout(git);
    case 'add':
    case 'config':
      return clone || command === 'config' ? 0 : notARepository(call);
    case 'status':
      return status(git);
    case 'commit':
      return commit(git);
    case 'revert':
      return revert(git);
    case 'push':
      return push(git);
    case 'version':
    case '--version':
      call.out('git version 2.47.3');
      return 0;
    default:
      call.err(`git: '${command ?? ''}' is not a git command known to the simulated target.`);
      return 1;
  }
};

interface GitCall {
  call: ToolInvocation;
  rest: string[];
  clone: SimClone | undefined;
  repoDir: string | undefined;
  config: Record<string, string>;
}

function unreachable(call: ToolInvocation, url: string | undefined): number {
  let host = url ?? '';
  try {
    host = new URL(url ?? '').host;
  } catch {
    // not a URL: name it as given
  }
  call.err(`fatal: unable to access '${url ?? ''}/': Could not resolve host: ${host}`);
  return 128;
}

function notARepository(call: ToolInvocation): number {
  call.err('fatal: not a git repository (or any of the parent directories): .git');
  return 128;
}

async function lsRemote({ call, rest }: GitCall): Promise<number> {
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

async function cloneCommand({ call, rest }: GitCall): Promise<number> {
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

function commitOf(clone: SimClone, world: ToolInvocation['world'], sha: string): SimCommit | undefined {
  return clone.commits.get(sha) ?? [...clone.commits.values()].find((commit) => sha.length >= 7 && commit.sha.startsWith(sha)) ?? world.remote.commit(sha);
}

function historyOf(clone: SimClone, world: ToolInvocation['world'], sha: string, limit: number): SimCommit[] {
  const history: SimCommit[] = [];
  let current = commitOf(clone, world, sha);
  while (current && history.length < limit) {
    history.push(current);
    current = current.parents[0] ? commitOf(clone, world, current.parents[0]) : undefined;
  }
  return history;
}

function resolveRev(clone: SimClone, world: ToolInvocation['world'], rev: string): string | undefined {
  const match = /^(HEAD|[0-9a-f]{7,40})((?:~\d*|\^)*)$/.exec(rev);
  if (!match) return undefined;
  let sha: string | undefined = match[1] === 'HEAD' ? clone.head : commitOf(clone, world, match[1]!)?.sha;
  for (const step of match[2]!.match(/~\d*|\^/g) ?? []) {
    const count = step === '^' || step === '~' ? 1 : Number(step.slice(1));
    for (let index = 0; index < count && sha; index++) sha = commitOf(clone, world, sha)?.parents[0];
  }
  return sha;
}

function formatCommit(format: string, commit: SimCommit): string {
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

function log({ call, rest, clone }: GitCall, command: 'log' | 'show'): number {
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

function revParse({ call, rest, clone }: GitCall): number {
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

function checkout({ call, rest, clone }: GitCall): number {
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

async function readWorkingTree(dir: string): Promise<Map<string, string>> {
  const tree = new Map<string, string>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.relative(dir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (file === '.git' || file.startsWith('.git/')) continue;
    tree.set(file, await readFile(path.join(dir, file), 'utf8'));
  }
  return tree;
}

async function writeTree(dir: string, tree: Tree): Promise<void> {
  for (const [file, text] of tree) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
}

async function status({ call, clone, repoDir }: GitCall): Promise<number> {
  if (!clone || !repoDir) return notARepository(call);
  const changes = diffTrees(commitOf(clone, call.world, clone.head)!.tree, await readWorkingTree(repoDir));
  for (const file of changes.modified) call.out(` M ${file}`);
  for (const file of changes.deleted) call.out(` D ${file}`);
  for (const file of changes.added) call.out(`?? ${file}`);
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

async function commit(git: GitCall): Promise<number> {
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

async function revert(git: GitCall): Promise<number> {
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

async function push(git: GitCall): Promise<number> {
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
