/** Runs the Go toolchain for the test builds: wrapper modules from a pin, binaries built into the cache. */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { REPO_ROOT, type ComponentPin } from '../../src/cluster/local/infra-versions.ts';
import { compareGo, splitBinaries, wrapperFingerprint, wrapperGoMod, wrapperReplaces, type ModFile } from './go-wrapper.ts';

export type Log = (msg: string) => void;

/** The go binary: $GO (when it exists), /usr/local/go/bin/go, or the first `go` on PATH; undefined when there is none. */
export function findGo(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env['GO'];
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(fromEnv) ? fromEnv : undefined;
  if (existsSync('/usr/local/go/bin/go')) return '/usr/local/go/bin/go';
  for (const dir of (env['PATH'] ?? '').split(delimiter)) {
    if (dir !== '' && existsSync(join(dir, 'go'))) return join(dir, 'go');
  }
  return undefined;
}

export function goEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...env,
    GOTOOLCHAIN: 'local', // never download another toolchain; the pins fit the local Go
    CGO_ENABLED: '0',
  };
}

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  nice?: boolean;
  onStderrLine?: (line: string) => void;
}

export function run(cmd: string, args: string[], opts: RunOptions): Promise<string> {
  const argv = opts.nice === true ? ['-n', '10', cmd, ...args] : args;
  const bin = opts.nice === true ? 'nice' : cmd;
  return new Promise((resolve, reject) => {
    const child = spawn(bin, argv, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
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

export async function localGoVersion(go: string, env: NodeJS.ProcessEnv): Promise<string> {
  return (await run(go, ['env', 'GOVERSION'], { cwd: tmpdir(), env })).trim().replace(/^go/, '');
}

interface ModDownload {
  Dir?: string;
  GoMod?: string;
  Error?: string;
}

export async function downloadModule(go: string, env: NodeJS.ProcessEnv, module: string, version: string): Promise<ModDownload> {
  const out = await run(go, ['mod', 'download', '-json', `${module}@${version}`], {
    cwd: tmpdir(),
    env: { ...env, GOFLAGS: '' },
  }).catch((e: Error) => {
    throw new Error(`ETESTINFRA module ${module}@${version} is not served by GOPROXY=${env['GOPROXY'] ?? '(default)'}\n${e.message}`);
  });
  const info = JSON.parse(out) as ModDownload;
  if (info.Error !== undefined) throw new Error(`ETESTINFRA go mod download ${module}@${version}: ${info.Error}`);
  return info;
}

export function wrapperDir(name: string): string {
  return join(REPO_ROOT, 'test-infra', 'go', name);
}

/** True when test-infra/go/<name>/ was generated from this pin (go.mod fingerprint and go.sum present). */
export function wrapperUpToDate(name: string, pin: ComponentPin): boolean {
  const dir = wrapperDir(name);
  const goModPath = join(dir, 'go.mod');
  return existsSync(goModPath) && existsSync(join(dir, 'go.sum')) && readFileSync(goModPath, 'utf8').includes(wrapperFingerprint(pin));
}

/** test-infra/go/<name>/, regenerated (go.mod, go.sum) when it does not match the pin. */
export async function ensureWrapperModule(go: string, env: NodeJS.ProcessEnv, name: string, pin: ComponentPin, localGo: string, log: Log): Promise<string> {
  const dir = wrapperDir(name);
  if (wrapperUpToDate(name, pin)) {
    log(`${name}: wrapper module up to date (${pin.module}@${pin.version})`);
    return dir;
  }
  log(`${name}: generating wrapper module for ${pin.module}@${pin.version}`);
  const info = await downloadModule(go, env, pin.module, pin.version);
  if (info.GoMod === undefined) throw new Error(`ETESTINFRA no go.mod for ${pin.module}@${pin.version}`);
  const upstream = JSON.parse(await run(go, ['mod', 'edit', '-json', info.GoMod], { cwd: tmpdir(), env })) as ModFile;
  const goVersion = upstream.Go ?? localGo;
  if (compareGo(goVersion, localGo) > 0) {
    throw new Error(`ETESTINFRA ${pin.module}@${pin.version} needs Go ${goVersion}, this machine has Go ${localGo}; pin an older release in test-infra/versions.json`);
  }
  const replaces = wrapperReplaces(name, pin, upstream);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'go.mod'), wrapperGoMod(name, pin, goVersion, replaces));
  rmSync(join(dir, 'go.sum'), { force: true });
  const { tools, own } = splitBinaries(name, pin);
  const goEnvMod = { ...env, GOFLAGS: '-mod=mod' };
  try {
    if (tools.length > 0) await run(go, ['get', '-tool', ...tools.map((p) => `${p}@${pin.version}`)], { cwd: dir, env: goEnvMod, nice: true });
    if (own.length > 0) {
      // A main package of the wrapper itself (committed next to go.mod): require the pinned module, then what the main imports.
      await run(go, ['get', `${pin.module}@${pin.version}`], { cwd: dir, env: goEnvMod, nice: true });
      await run(go, ['mod', 'tidy'], { cwd: dir, env: goEnvMod, nice: true });
    }
  } catch (error) {
    // A half-written go.sum (the proxy refused a module midway) must not pass as up to date next time.
    rmSync(join(dir, 'go.sum'), { force: true });
    throw error;
  }
  return dir;
}

export interface BuildRequest {
  go: string;
  env: NodeJS.ProcessEnv;
  /** Component name, for the log. */
  name: string;
  bin: string;
  pkg: string;
  wrapperDir: string;
  outDir: string;
  ldflags: string;
  log: Log;
}

/** Builds one binary to a temporary name in outDir and renames it, so an interrupted build leaves nothing half-written. */
export async function buildBinary(req: BuildRequest): Promise<number> {
  mkdirSync(req.outDir, { recursive: true });
  const partial = join(req.outDir, `.${req.bin}.partial-${process.pid}`);
  let compiled = 0;
  const t0 = process.hrtime.bigint();
  const ticker = setInterval(() => req.log(`${req.bin}: compiling... ${compiled} packages so far`), 30_000);
  try {
    await run(req.go, ['build', '-p', '2', '-v', '-trimpath', `-ldflags=${req.ldflags}`, '-o', partial, req.pkg], {
      cwd: req.wrapperDir,
      env: { ...req.env, GOFLAGS: '-mod=mod' },
      nice: true,
      onStderrLine: (l) => {
        if (l.trim() !== '' && !l.startsWith('go: ')) compiled++;
      },
    });
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    clearInterval(ticker);
  }
  renameSync(partial, join(req.outDir, req.bin));
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  req.log(`${req.bin}: built (${req.name}, ${compiled} packages compiled, ${seconds.toFixed(1)}s)`);
  return seconds;
}
