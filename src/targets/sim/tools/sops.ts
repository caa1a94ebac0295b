/**
 * Simulated sops (answering as sops 3.x does) over the simulated SOPS format, on files on disk:
 * `decrypt` (and -d), `updatekeys -y` (the creation rule of the .sops.yaml found from the working
 * directory up; the current data key re-wrapped for its recipients), `rotate -i` (a new data key),
 * `filestatus` and `--version`. Keys from SOPS_AGE_KEY_FILE and SOPS_AGE_KEY only, so a key the
 * step did not hand over never decrypts. Faults: `fail` is a key service error, `slow`/`hang` as usual.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decryptYaml, isSopsDocument, recipientsOf, rotateDataKey, SOPS_VERSION, SopsDecryptError, updateKeys } from '../sops-format.ts';
import { parse } from 'yaml';
import { positionals, type SimTool, type ToolInvocation } from './types.ts';
import { findConfig, identitiesFromEnv, recipientsForFile } from './sops/config.ts';

/** sops's exit code when no master key could decrypt the data key. */
const COULD_NOT_RETRIEVE_KEY = 128;

export const sops: SimTool = async (call) => {
  if (call.args.includes('--version') || call.args[0] === 'version') {
    call.out(`sops ${SOPS_VERSION} (latest)`);
    return 0;
  }
  const [command, file] = positionals(call.args, ['--output', '--input-type', '--output-type', '--config']);
  const subcommand = call.args.includes('-d') ? 'decrypt' : call.args.includes('-r') ? 'rotate' : command;
  const target = subcommand === command ? file : command;
  if (!target) {
    call.err(`Error: no file specified`);
    return 1;
  }
  const cwd = call.cwd ?? process.cwd();
  const absolute = path.resolve(cwd, target);
  const text = await readFile(absolute, 'utf8').catch(() => undefined);
  if (text === undefined) {
    call.err(`Error: cannot operate on non-existent file`);
    return 100;
  }
  await call.world.work('sops/file', call.fault === 'fail' ? undefined : call.fault, call.signal);
  if (call.fault === 'fail') {
    call.err('Failed to get the data key required to decrypt the SOPS file.\n\nGroup 0: FAILED\n  keyservice: rpc error: code = Unavailable desc = connection error');
    return COULD_NOT_RETRIEVE_KEY;
  }
  if (subcommand === 'filestatus') {
    call.out(JSON.stringify({ encrypted: isSops(text) }));
    return 0;
  }
  if (!isSops(text)) {
    call.err('sops metadata not found');
    return 203;
  }
  const identities = await identitiesFromEnv(call.env, cwd);
  try {
    switch (subcommand) {
      case 'decrypt':
        call.out(decryptYaml(text, identities).trimEnd());
        return 0;
      case 'rotate': {
        const rotated = rotateDataKey(text, identities, call.world.isoTime());
        if (call.args.includes('-i') || call.args.includes('--in-place')) await writeFile(absolute, rotated);
        else call.out(rotated.trimEnd());
        return 0;
      }
      case 'updatekeys':
        return await updatekeys(call, absolute, text, identities, cwd);
      default:
        call.err(`the simulated sops knows decrypt, updatekeys, rotate and filestatus, not "${subcommand ?? ''}"`);
        return 1;
    }
  } catch (error) {
    if (!(error instanceof SopsDecryptError)) throw error;
    call.err(error.message);
    return COULD_NOT_RETRIEVE_KEY;
  }
};

function isSops(text: string): boolean {
  try {
    return isSopsDocument(parse(text));
  } catch {
    return false;
  }
}

async function updatekeys(call: ToolInvocation, file: string, text: string, identities: string[], cwd: string): Promise<number> {
  const configFile = await findConfig(cwd);
  const wanted = configFile ? await recipientsForFile(configFile, file) : undefined;
  if (!wanted) {
    call.err(configFile ? 'error loading config: no matching creation rules found' : 'config file not found, or has no creation rules, and no keys provided through command line options');
    return 1;
  }
  call.err(`${call.world.isoTime().replace('T', ' ').replace('Z', '')} Syncing keys for file ${file}`);
  const present = recipientsOf(text);
  if (present.length === wanted.length && present.every((recipient) => wanted.includes(recipient))) {
    call.err(`File ${file} already up to date`);
    return 0;
  }
  if (!call.args.includes('-y') && !call.args.includes('--yes')) {
    call.err('Error: the simulated sops runs updatekeys only with -y (it cannot ask)');
    return 1;
  }
  call.out("The following changes will be made to the file's groups:\nGroup 1");
  for (const recipient of wanted) call.out(`${present.includes(recipient) ? '   ' : '+++'} ${recipient}`);
  for (const recipient of present.filter((candidate) => !wanted.includes(candidate))) call.out(`--- ${recipient}`);
  await writeFile(file, updateKeys(text, identities, wanted));
  call.err(`File ${file} synced with new keys`);
  return 0;
}
