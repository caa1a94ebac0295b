// Builds the local test cluster binaries (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok, kwokctl, Flux source- and
// kustomize-controller) from the Go module proxy, once.
//
//   node scripts/build-test-infra.ts            build what is missing
//   node scripts/build-test-infra.ts --check    exit 1 when something is missing
//   node scripts/build-test-infra.ts --only metrics   only Pushgateway and promtool
//
// Versions: test-infra/versions.json (the only pin). Wrapper modules:
// test-infra/go/<component>/go.mod, regenerated from the pin when it changes.
// Output: ${DR_DRILL_CACHE:-~/.cache/dr-drill}/bin/<version-key>/.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type InfraVersions, binDir, loadInfraVersions } from '../src/cluster/local/infra-versions.ts';
import { buildBinary, downloadModule, ensureWrapperModule, findGo, goEnv, localGoVersion } from './lib/go-build.ts';
import { ldflags } from './lib/go-wrapper.ts';
import { metricsBinDir, metricsLdflags, metricsPins } from './lib/metrics-tools.ts';

const started = process.hrtime.bigint();
const elapsed = (): string => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)}s`;
const log = (msg: string): void => {
  process.stdout.write(`[build-test-infra +${elapsed()}] ${msg}\n`);
};

const GO = findGo() ?? 'go';
const env = goEnv();

/** The CRD YAML is read from the module cache at run time; make sure it is there. */
async function ensureCrdModules(v: InfraVersions): Promise<number> {
  const seen = new Set<string>();
  for (const pin of Object.values(v.crds)) {
    const key = `${pin.module}@${pin.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const info = await downloadModule(GO, env, pin.module, pin.version);
    if (info.Dir === undefined || !existsSync(join(info.Dir, pin.dir))) {
      throw new Error(`ETESTINFRA ${key} has no ${pin.dir}`);
    }
    log(`CRDs: ${key}/${pin.dir} in module cache`);
  }
  return 0;
}

/** Pushgateway and promtool (the `metrics` block), each in its own bin/<component>-<version>/. */
async function buildMetricsTools(checkOnly: boolean): Promise<number> {
  const missing = Object.entries(metricsPins()).filter(([name, pin]) => Object.keys(pin.binaries).some((b) => !existsSync(join(metricsBinDir(name, pin), b))));
  if (missing.length === 0) {
    log('metrics tools present; nothing to do');
    return 0;
  }
  log(`metrics tools missing: ${missing.map(([n]) => n).join(', ')}`);
  if (checkOnly) return 1;
  const localGo = await localGoVersion(GO, env);
  for (const [name, pin] of missing) {
    const outDir = metricsBinDir(name, pin);
    mkdirSync(outDir, { recursive: true });
    const wrapperDir = await ensureWrapperModule(GO, env, name, pin, localGo, log);
    for (const [bin, pkg] of Object.entries(pin.binaries)) {
      if (existsSync(join(outDir, bin))) continue;
      log(`${bin}: building ${pkg}@${pin.version}`);
      await buildBinary({ go: GO, env, name, bin, pkg, wrapperDir, outDir, ldflags: metricsLdflags(pin), log });
    }
  }
  return 0;
}

async function main(): Promise<number> {
  const checkOnly = process.argv.includes('--check');
  const only = process.argv[process.argv.indexOf('--only') + 1];
  if (process.argv.includes('--only')) {
    if (only !== 'metrics') throw new Error(`ETESTINFRA --only ${only ?? ''}: only "metrics" can be built alone`);
    return buildMetricsTools(checkOnly);
  }
  const metrics = await buildMetricsTools(checkOnly);
  if (metrics !== 0) return metrics;
  const v = loadInfraVersions();
  const outDir = binDir(v);
  const missing = Object.entries(v.components).filter(([, pin]) =>
    Object.keys(pin.binaries).some((b) => !existsSync(join(outDir, b))),
  );
  if (missing.length === 0) {
    log(`all binaries present in ${outDir}; nothing to do`);
    return checkOnly ? 0 : ensureCrdModules(v);
  }
  log(`missing in ${outDir}: ${missing.map(([n]) => n).join(', ')}`);
  if (checkOnly) return 1;

  const localGo = await localGoVersion(GO, env);
  log(`using ${GO} (go ${localGo}), GOMODCACHE/GOCACHE reused`);
  mkdirSync(outDir, { recursive: true });
  for (const [name, pin] of missing) {
    const wrapperDir = await ensureWrapperModule(GO, env, name, pin, localGo, log);
    for (const [bin, pkg] of Object.entries(pin.binaries)) {
      if (existsSync(join(outDir, bin))) continue;
      log(`${bin}: building ${pkg}@${pin.version}`);
      await buildBinary({ go: GO, env, name, bin, pkg, wrapperDir, outDir, ldflags: ldflags(name, pin, v), log });
    }
  }
  writeFileSync(join(outDir, 'versions.json'), JSON.stringify(v, null, 2));
  log(`done: ${outDir}`);
  return ensureCrdModules(v);
}

main().then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
