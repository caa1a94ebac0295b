/** Simulated git against the simulated GitOps remote: ls-remote, clone, log. */
import { mkdir } from 'node:fs/promises';
import { positionals, type SimTool } from './types.ts';

export const git: SimTool = async (call) => {
  const { world } = call;
  const args = [...call.args];
  // Global options before the subcommand.
  while (args[0] === '-C' || args[0]?.startsWith('--git-dir') || args[0] === '-c') {
    args.splice(0, args[0] === '-C' || args[0] === '-c' || args[0] === '--git-dir' ? 2 : 1);
  }
  const [command, ...rest] = args;
  const unreachable = (url: string | undefined) => {
    call.err(`fatal: unable to access '${url ?? ''}/': Could not resolve host: ${url ? new URL(url).host : ''}`);
    return 128;
  };
  switch (command) {
    case 'ls-remote': {
      const [url, ...refs] = positionals(rest, []);
      if (url !== world.git.url || call.fault === 'fail') return unreachable(url);
      await world.work('git/clone', call.fault, call.signal);
      const wanted = refs.length === 0 ? ['HEAD', `refs/heads/${world.git.branch}`] : refs;
      for (const ref of wanted) {
        if (ref === 'HEAD' || ref === `refs/heads/${world.git.branch}` || ref === world.git.branch) call.out(`${world.git.head}\t${ref === world.git.branch ? `refs/heads/${ref}` : ref}`);
      }
      return 0;
    }
    case 'clone': {
      const [url, directory] = positionals(rest, ['--branch', '-b', '--depth', '--filter', '--origin', '-o']);
      if (url !== world.git.url || call.fault === 'fail') return unreachable(url);
      call.err(`Cloning into${rest.includes('--bare') ? ' bare repository' : ''} '${directory ?? 'gitops'}'...`);
      await world.work('git/clone', call.fault, call.signal);
      if (directory) await mkdir(directory, { recursive: true });
      return 0;
    }
    case 'log':
    case 'show': {
      const format = rest.find((arg) => arg.startsWith('--format=') || arg.startsWith('--pretty=format:'))?.replace(/^--format=|^--pretty=format:/, '') ?? '%H';
      const seconds = String(Math.floor(Date.parse(world.git.commitTime) / 1000));
      call.out(
        format
          .replaceAll('%H', world.git.head)
          .replaceAll('%h', world.git.head.slice(0, 7))
          .replaceAll('%cI', world.git.commitTime.replace('Z', '+00:00'))
          .replaceAll('%ct', seconds)
          .replaceAll('%s', 'apps: bump paperless-ngx to 2.18.4')
          .replaceAll('%x09', '\t')
          .replaceAll('%n', '\n'),
      );
      return 0;
    }
    case 'rev-parse':
      call.out(world.git.head);
      return 0;
    case 'version':
    case '--version':
      call.out('git version 2.47.3');
      return 0;
    default:
      call.err(`git: '${command ?? ''}' is not a git command known to the simulated target.`);
      return 1;
  }
};
