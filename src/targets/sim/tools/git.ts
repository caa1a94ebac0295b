/**
 * Simulated git against the simulated GitOps remote, answering as git 2.47 does: ls-remote,
 * clone (files on disk, bare or not), log/show/rev-parse, checkout -b, add, status, commit (from
 * the working tree on disk), revert (the inverse of a commit's changes, refusing conflicts) and
 * push (fast-forward only unless forced; --delete). Faults: `fail` makes the remote unreachable
 * (and a revert conflict), `slow`/`hang` slow down network operations.
 */
import path from 'node:path';
import type { SimTool } from './types.ts';
import { notARepository } from './git/call.ts';
import { checkout, commit, revert } from './git/commit-commands.ts';
import { log, revParse, status } from './git/read-commands.ts';
import { cloneCommand, lsRemote, push } from './git/remote-commands.ts';

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
