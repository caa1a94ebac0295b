/**
 * Locates a Go module's source tree in the Go module cache (downloading it
 * through GOPROXY when absent) so upstream YAML is read, never vendored.
 */
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { runCommand } from './processes.ts';
import { DrillError } from '../../util/errors.ts';

const cache = new Map<string, string>();

export function goBinary(env: NodeJS.ProcessEnv = process.env): string {
  return env['GO'] ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
}

export async function goModuleDir(module: string, version: string): Promise<string> {
  const key = `${module}@${version}`;
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const result = await runCommand(goBinary(), ['mod', 'download', '-json', key], {
    cwd: tmpdir(),
    env: { ...process.env, GOFLAGS: '', GOTOOLCHAIN: 'local' },
    timeoutMs: 300_000,
  });
  let info: { Dir?: string; Error?: string } = {};
  try {
    info = JSON.parse(result.stdout) as typeof info;
  } catch {
    // fall through to the error below
  }
  if (result.code !== 0 || info.Dir === undefined) {
    throw new DrillError('ETESTINFRA', `cannot get Go module ${key}: ${info.Error ?? result.stderr.trim()}`, { details: 'Needs Go and GOPROXY access (or a warm module cache).' });
  }
  cache.set(key, info.Dir);
  return info.Dir;
}
