#!/usr/bin/env node
/**
 * Builds the programs the tests and the local target drive (restic, age, tofu, sops, velero and its
 * AWS plugin) from the Go module proxy and installs the PyPI packages they use (prometheus_client,
 * moto's S3 server) into a venv, once per pinned version:
 *   node scripts/build-test-tools.ts                 everything that is missing
 *   node scripts/build-test-tools.ts restic age      only these tools (component or binary names)
 *   node scripts/build-test-tools.ts --check         exit 1 when something is missing
 * Pins: "tools" and "python" in test-infra/versions.json. Output: ${DR_DRILL_CACHE:-~/.cache/dr-drill}
 * bin/<tool>-<version>/ and venv/<package>-<version>/. The tests build what they need on demand
 * (test/helpers/tools.ts); this script lets CI build it up-front.
 */
import { existsSync } from 'node:fs';
import { ensurePythonPackage, ensureTool, loadToolPins, pythonVenvDir, toolPath } from './lib/test-tools.ts';

const started = process.hrtime.bigint();
const elapsed = (): string => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)}s`;
const log = (msg: string): void => {
  process.stdout.write(`[build-test-tools +${elapsed()}] ${msg}\n`);
};

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const checkOnly = args.includes('--check');
  const wanted = args.filter((a) => !a.startsWith('--'));
  const pins = loadToolPins();
  const known = [...Object.keys(pins.tools), ...Object.values(pins.tools).flatMap((p) => Object.keys(p.binaries)), ...Object.keys(pins.python)];
  const unknown = wanted.filter((w) => !known.includes(w));
  if (unknown.length > 0) {
    process.stderr.write(`ETESTINFRA unknown tool ${unknown.join(', ')}; known: ${[...new Set(known)].join(', ')}\n`);
    return 2;
  }
  const selected = (name: string, bins: string[]): boolean => wanted.length === 0 || wanted.includes(name) || bins.some((b) => wanted.includes(b));
  const bins = Object.entries(pins.tools).flatMap(([name, pin]) => (selected(name, Object.keys(pin.binaries)) ? Object.keys(pin.binaries) : []));
  const packages = Object.keys(pins.python).filter((pkg) => selected(pkg, []));

  if (checkOnly) {
    const missing = [...bins.filter((b) => !existsSync(toolPath(b))), ...packages.filter((p) => !existsSync(`${pythonVenvDir(p)}/.installed`))];
    for (const b of bins) log(`${existsSync(toolPath(b)) ? 'present' : 'missing'}: ${toolPath(b)}`);
    for (const p of packages) log(`${existsSync(`${pythonVenvDir(p)}/.installed`) ? 'present' : 'missing'}: ${pythonVenvDir(p)}`);
    return missing.length === 0 ? 0 : 1;
  }
  for (const bin of bins) {
    const built = await ensureTool(bin, process.env, log);
    log(`${bin}: ${built.seconds > 0 ? `built in ${built.seconds.toFixed(1)}s` : 'already built'}: ${built.path}`);
  }
  for (const pkg of packages) {
    const installed = await ensurePythonPackage(pkg, process.env, log);
    log(`${pkg}: ${installed.seconds > 0 ? `installed in ${installed.seconds.toFixed(1)}s` : 'already installed'}: ${installed.python}`);
  }
  return 0;
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
