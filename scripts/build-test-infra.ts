// Builds the local test cluster binaries (etcd, kube-apiserver,
// kube-controller-manager, kube-scheduler, kwok, kwokctl, Flux source- and
// kustomize-controller) and the pinned tools (OpenTofu, sops) from the Go module proxy, once.
//
//   node scripts/build-test-infra.ts            build what is missing
//   node scripts/build-test-infra.ts --check    exit 1 when something is missing
//
// Versions: test-infra/versions.json (the only pin). Wrapper modules:
// test-infra/go/<component>/go.mod, regenerated from the pin when it changes.
// Output: ${DR_DRILL_CACHE:-~/.cache/dr-drill}/bin/<version-key>/; each pinned tool ("tools":
// OpenTofu, sops) in its own bin/<name>-<version>/.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  REPO_ROOT,
  type InfraVersions,
  binDir,
  loadInfraVersions,
  toolBinDir,
  type ComponentPin,
} from '../src/cluster/local/infra-versions.ts';
import { compareGo, ldflags, wrapperFingerprint, wrapperGoMod, wrapperReplaces, type ModFile } from './lib/go-wrapper.ts';

const started = process.hrtime.bigint();
const elapsed = (): string => `${(Number(process.hrtime.bigint() - started) / 1e9).toFixed(1)}s`;
const log = (msg: string): void => {
  process.stdout.write(`[build-test-infra +${elapsed()}] ${msg}\n`);
};

const GO = process.env['GO'] ?? (existsSync('/usr/local/go/bin/go') ? '/usr/local/go/bin/go' : 'go');
const goEnv: NodeJS.ProcessEnv = {
  ...process.env,
  GOTOOLCHAIN: 'local', // never download another toolchain; the pins fit the local Go
  CGO_ENABLED: '0',
};

interface RunOptions {
  cwd: string;
  env?: NodeJS.ProcessEnv;
  nice?: boolean;
  onStderrLine?: (line: string) => void;
}

function run(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  const argv = opts.nice === true ? ['-n', '10', cmd, ...args] : args;
  const bin = opts.nice === true ? 'nice' : cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { cwd: opts.cwd, env: opts.env ?? goEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let errTail = '';
    let partial = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr.on('data', (b: Buffer) => {
      const text = b.toString();
      errTail = (errTail + text).slice(-8000);
      if (opts.onStderrLine !== undefined) {
        const lines = (partial + text).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) opts.onStderrLine(l);
      }
    });
    child.on('error', (e) => reject(new Error(`ETESTINFRA cannot run ${cmd}: ${e.message}`)));
    child.on('close', (code) => {
      if (code === 0) resolve(out);
      else reject(new Error(`ETESTINFRA ${cmd} ${args.join(' ')} (in ${opts.cwd}) exited ${code}\n${errTail}`));
    });
  });
}

interface ModDownload {
  Dir?: string;
  GoMod?: string;
  Error?: string;
}

async function downloadModule(module: string, version: string): Promise<ModDownload> {
  const out = await run(GO, ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: tmpdir(),
    env: { ...goEnv, GOFLAGS: '' },
  }).catch((e: Error) => {
    throw new Error(`ETESTINFRA module ${module}@${version} is not served by GOPROXY=${process.env['GOPROXY'] ?? '(default)'}\n${e.message}`);
  });
  const info = JSON.parse(out) as ModDownload;
  if (info.Error !== undefined) throw new Error(`ETESTINFRA go mod download ${module}@${version}: ${info.Error}`);
  return info;
}

async function ensureWrapperModule(name: string, pin: ComponentPin, localGo: string): Promise<string> {
  const dir = join(REPO_ROOT, 'test-infra', 'go', name);
  const goModPath = join(dir, 'go.mod');
  const fingerprint = wrapperFingerprint(pin);
  if (existsSync(goModPath) && existsSync(join(dir, 'go.sum')) && readFileSync(goModPath, 'utf8').includes(fingerprint)) {
    log(`${name}: wrapper module up to date (${pin.module}@${pin.version})`);
    return dir;
  }
  log(`${name}: generating wrapper module for ${pin.module}@${pin.version}`);
  const info = await downloadModule(pin.module, pin.version);
  if (info.GoMod === undefined) throw new Error(`ETESTINFRA no go.mod for ${pin.module}@${pin.version}`);
  const upstream = JSON.parse(await run(GO, ['mod', 'edit', '-json', info.GoMod], { cwd: tmpdir() })) as ModFile;
  const goVersion = upstream.Go ?? localGo;
  if (compareGo(goVersion, localGo) > 0) {
    throw new Error(`ETESTINFRA ${pin.module}@${pin.version} needs Go ${goVersion}, this machine has Go ${localGo}; pin an older release in test-infra/versions.json`);
  }
  const replaces = wrapperReplaces(name, pin, upstream);
  mkdirSync(dir, { recursive: true });
  writeFileSync(goModPath, wrapperGoMod(name, pin, goVersion, replaces));
  rmSync(join(dir, 'go.sum'), { force: true });
  const tools = Object.values(pin.binaries).map((p) => `${p}@${pin.version}`);
  await run(GO, ['get', '-tool', ...tools], { cwd: dir, env: { ...goEnv, GOFLAGS: '-mod=mod' }, nice: true }).catch((error: unknown) => {
    // A half-written go.sum would pass for an up-to-date wrapper next time: generate it again then.
    rmSync(join(dir, 'go.sum'), { force: true });
    throw error;
  });
  return dir;
}

async function buildBinary(name: string, bin: string, pkg: string, wrapperDir: string, outDir: string, flags: string): Promise<void> {
  const partial = join(outDir, `.${bin}.partial`);
  let compiled = 0;
  const t0 = process.hrtime.bigint();
  const ticker = setInterval(() => log(`${bin}: compiling... ${compiled} packages so far`), 30_000);
  try {
    await run(
      GO,
      ['build', '-p', '2', '-v', '-trimpath', `-ldflags=${flags}`, '-o', partial, pkg],
      {
        cwd: wrapperDir,
        env: { ...goEnv, GOFLAGS: '-mod=mod' },
        nice: true,
        onStderrLine: (l) => {
          if (l.trim() !== '' && !l.startsWith('go: ')) compiled++;
        },
      },
    );
  } finally {
    clearInterval(ticker);
  }
  renameSync(partial, join(outDir, bin));
  log(`${bin}: built (${name}, ${compiled} packages compiled, ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)}s)`);
}

/** The CRD YAML is read from the module cache at run time; make sure it is there. */
async function ensureCrdModules(v: InfraVersions): Promise<number> {
  const seen = new Set<string>();
  for (const pin of Object.values(v.crds)) {
    const key = `${pin.module}@${pin.version}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const info = await downloadModule(pin.module, pin.version);
    if (info.Dir === undefined || !existsSync(join(info.Dir, pin.dir))) {
      throw new Error(`ETESTINFRA ${key} has no ${pin.dir}`);
    }
    log(`CRDs: ${key}/${pin.dir} in module cache`);
  }
  return 0;
}

// Pinned tools (versions.json "tools": OpenTofu, ...): each in its own bin/<name>-<version>/,
// built through a wrapper module like the components, so the control plane's key never changes.
function missingTools(v: InfraVersions): Array<[string, ComponentPin]> {
  return Object.entries(v.tools ?? {}).filter(([name, pin]) => Object.keys(pin.binaries).some((b) => !existsSync(join(toolBinDir(name, v), b))));
}

async function buildTools(v: InfraVersions, missing: Array<[string, ComponentPin]>, localGo: string): Promise<void> {
  for (const [name, pin] of missing) {
    const outDir = toolBinDir(name, v);
    mkdirSync(outDir, { recursive: true });
    const wrapperDir = await ensureWrapperModule(name, pin, localGo);
    for (const [bin, pkg] of Object.entries(pin.binaries)) {
      if (existsSync(join(outDir, bin))) continue;
      log(`${bin}: building ${pkg}@${pin.version}`);
      await buildBinary(name, bin, pkg, wrapperDir, outDir, ldflags(name, pin, v));
    }
  }
}

async function main(): Promise<number> {
  const checkOnly = process.argv.includes('--check');
  const v = loadInfraVersions();
  const outDir = binDir(v);
  const missing = Object.entries(v.components).filter(([, pin]) =>
    Object.keys(pin.binaries).some((b) => !existsSync(join(outDir, b))),
  );
  const toolsMissing = missingTools(v);
  if (missing.length === 0 && toolsMissing.length === 0) {
    log(`all binaries present in ${outDir} (tools: ${Object.keys(v.tools ?? {}).map((n) => toolBinDir(n, v)).join(', ') || 'none'}); nothing to do`);
    return checkOnly ? 0 : ensureCrdModules(v);
  }
  if (missing.length > 0) log(`missing in ${outDir}: ${missing.map(([n]) => n).join(', ')}`);
  if (toolsMissing.length > 0) log(`tools missing: ${toolsMissing.map(([n, p]) => `${n} ${p.version}`).join(', ')}`);
  if (checkOnly) return 1;

  const goVersionOut = await run(GO, ['env', 'GOVERSION'], { cwd: tmpdir() });
  const localGo = goVersionOut.trim().replace(/^go/, '');
  log(`using ${GO} (go ${localGo}), GOMODCACHE/GOCACHE reused`);
  if (missing.length > 0) {
    mkdirSync(outDir, { recursive: true });
    for (const [name, pin] of missing) {
      const wrapperDir = await ensureWrapperModule(name, pin, localGo);
      for (const [bin, pkg] of Object.entries(pin.binaries)) {
        if (existsSync(join(outDir, bin))) continue;
        log(`${bin}: building ${pkg}@${pin.version}`);
        await buildBinary(name, bin, pkg, wrapperDir, outDir, ldflags(name, pin, v));
      }
    }
    writeFileSync(join(outDir, 'versions.json'), JSON.stringify(v, null, 2));
  }
  await buildTools(v, toolsMissing, localGo);
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
