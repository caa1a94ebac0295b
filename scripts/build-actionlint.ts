#!/usr/bin/env node
/**
 * Builds actionlint from the Go module proxy, once:
 *   node scripts/build-actionlint.ts           print the binary's path (building it when missing)
 *   node scripts/build-actionlint.ts --check   exit 1 when it is missing
 *
 * Pin: test-infra/go/actionlint/go.mod (a `tool` directive; bump with
 * `go get -tool github.com/rhysd/actionlint/cmd/actionlint@vX.Y.Z`). v1.7.12 is the first release
 * that knows `on.schedule[].timezone`. Output:
 * ${DR_DRILL_CACHE:-~/.cache/dr-drill}/bin/actionlint-<version>/actionlint, written to a
 * temporary name and renamed, so an interrupted build never leaves a broken binary behind.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const ACTIONLINT_MODULE_DIR = path.join(ROOT, 'test-infra', 'go', 'actionlint');
const PACKAGE = 'github.com/rhysd/actionlint/cmd/actionlint';

export function actionlintVersion(): string {
  const goMod = readFileSync(path.join(ACTIONLINT_MODULE_DIR, 'go.mod'), 'utf8');
  const version = goMod.match(/^\s*github\.com\/rhysd\/actionlint (v[0-9][^\s]*)/m)?.[1];
  if (!version) throw new Error(`ETESTINFRA no github.com/rhysd/actionlint requirement in ${path.join(ACTIONLINT_MODULE_DIR, 'go.mod')}`);
  return version;
}

export function actionlintPath(env: Record<string, string | undefined> = process.env): string {
  const cache = env.DR_DRILL_CACHE || path.join(os.homedir(), '.cache', 'dr-drill');
  return path.join(cache, 'bin', `actionlint-${actionlintVersion()}`, 'actionlint');
}

export function buildActionlint(env: NodeJS.ProcessEnv = process.env): { path: string; built: boolean; seconds: number } {
  const started = process.hrtime.bigint();
  const target = actionlintPath(env);
  if (existsSync(target)) return { path: target, built: false, seconds: 0 };
  mkdirSync(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}`;
  const go = env.GO ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
  try {
    execFileSync('nice', ['-n', '10', go, 'build', '-trimpath', '-ldflags=-s -w', '-o', partial, PACKAGE], {
      cwd: ACTIONLINT_MODULE_DIR,
      env: { ...env, GOTOOLCHAIN: 'local', CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
  } catch (error) {
    throw new Error(`ETESTINFRA building actionlint ${actionlintVersion()} failed: ${(error as Error).message}; needs Go >= 1.25 and the Go module proxy`);
  }
  renameSync(partial, target);
  return { path: target, built: true, seconds: Number(process.hrtime.bigint() - started) / 1e9 };
}

if (import.meta.main) {
  try {
    if (process.argv.includes('--check')) {
      const target = actionlintPath();
      process.stdout.write(`${existsSync(target) ? 'present' : 'missing'}: ${target}\n`);
      process.exitCode = existsSync(target) ? 0 : 1;
    } else {
      const outcome = buildActionlint();
      process.stdout.write(`${outcome.built ? `built in ${outcome.seconds.toFixed(1)}s` : 'already built'}: ${outcome.path}\n`);
    }
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exitCode = 1;
  }
}
