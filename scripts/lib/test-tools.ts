/**
 * The programs the unit tests drive (restic, age, age-keygen) and the Python packages they import
 * (prometheus_client), obtained by the project itself: Go tools built from the Go module proxy through
 * test-infra/go/<tool>/, Python packages installed with pip from PyPI into a venv; both pinned in
 * test-infra/versions.json and cached by version under ${DR_DRILL_CACHE:-~/.cache/dr-drill}.
 * A lock in the cache makes parallel callers (test files, CI) build each version once.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { cacheRoot, loadInfraVersions, toolCacheName, VERSIONS_FILE, type ComponentPin } from '../../src/cluster/local/infra-versions.ts';
import { buildBinary, ensureWrapperModule, findGo, goEnv, localGoVersion, run, wrapperDir, type Log } from './go-build.ts';
import { compareGo, ldflags } from './go-wrapper.ts';

export interface ToolPins {
  tools: Record<string, ComponentPin>;
  python: Record<string, string>;
}

export function loadToolPins(file: string = VERSIONS_FILE): ToolPins {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as { tools?: Record<string, ComponentPin>; python?: Record<string, string> };
  if (raw.tools === undefined || raw.python === undefined) {
    throw new Error(`ETESTINFRA ${file} must define "tools" (Go programs the tests run) and "python" (PyPI packages the tests import)`);
  }
  return { tools: raw.tools, python: raw.python };
}

/** The component ("age") that provides a binary ("age-keygen"). */
export function toolComponent(bin: string, pins: ToolPins = loadToolPins()): [string, ComponentPin] {
  for (const [name, pin] of Object.entries(pins.tools)) {
    if (pin.binaries[bin] !== undefined) return [name, pin];
  }
  throw new Error(`ETESTINFRA no tool provides "${bin}" in the "tools" of ${VERSIONS_FILE}; known: ${Object.values(pins.tools).flatMap((p) => Object.keys(p.binaries)).join(', ')}`);
}

/** bin/<component>-<version>/ in the cache: a new pin (or a changed main of the wrapper) is a new directory, so an old build is never reused. */
export function toolBinDir(name: string, pin: ComponentPin, env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'bin', toolCacheName(name, pin));
}

export function toolPath(bin: string, env: NodeJS.ProcessEnv = process.env, pins: ToolPins = loadToolPins()): string {
  const [name, pin] = toolComponent(bin, pins);
  return join(toolBinDir(name, pin, env), bin);
}

/**
 * Holds an exclusive lock (a directory created atomically) while fn runs. A lock whose owner
 * process is gone is taken over, so a killed build never blocks the next one.
 */
export async function withCacheLock<T>(lockDir: string, fn: () => Promise<T>, log: Log): Promise<T> {
  let waitingSince: number | undefined;
  for (;;) {
    try {
      mkdirSync(lockDir, { recursive: false });
      writeFileSync(join(lockDir, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        mkdirSync(dirname(lockDir), { recursive: true });
        continue;
      }
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = Number(readFileSafe(join(lockDir, 'pid')));
      if (Number.isInteger(owner) && owner > 0 && !alive(owner)) {
        log(`taking over the lock ${lockDir} of process ${owner}, which is gone`);
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (waitingSince === undefined) {
        waitingSince = Date.now();
        log(`waiting for process ${owner || '?'} that holds ${lockDir}`);
      }
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function readFileSafe(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // the owner has created the directory but not yet written its pid
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** No Go toolchain (or one too old) to build a missing tool: the one case a test may skip for (outside CI). */
export class NoGoToolchainError extends Error {
  override name = 'NoGoToolchainError';
}

/** No python3 that can make a venv: the one case a Python-backed test may skip for (outside CI). */
export class NoPythonVenvError extends Error {
  override name = 'NoPythonVenvError';
}

export interface ToolBuild {
  bin: string;
  path: string;
  /** Seconds spent building; 0 when the cache had it. */
  seconds: number;
}

/**
 * The path of a pinned tool binary, built into the cache first when it is missing. Throws
 * ETESTINFRA when there is no Go toolchain (message names the command that builds it) or the
 * build fails (message has Go's error).
 */
export async function ensureTool(bin: string, env: NodeJS.ProcessEnv = process.env, log: Log = () => undefined): Promise<ToolBuild> {
  const pins = loadToolPins();
  const [name, pin] = toolComponent(bin, pins);
  const outDir = toolBinDir(name, pin, env);
  const target = join(outDir, bin);
  if (existsSync(target)) return { bin, path: target, seconds: 0 };
  const go = findGo(env);
  if (go === undefined) throw new NoGoToolchainError(`ETESTINFRA ${bin} ${pin.version} is not built in ${outDir} and there is no Go toolchain to build it: install Go ${goNeeded(name)}+, then run npm run build:test-tools`);
  return withCacheLock(
    join(cacheRoot(env), 'bin', '.tools-build.lock'),
    async () => {
      if (existsSync(target)) return { bin, path: target, seconds: 0 }; // built by whoever held the lock
      const genv = goEnv(env);
      const localGo = await localGoVersion(go, genv);
      if (compareGo(goNeeded(name), localGo) > 0) throw new NoGoToolchainError(`ETESTINFRA ${name} ${pin.version} needs Go ${goNeeded(name)}, this machine has Go ${localGo} (${go}): install Go ${goNeeded(name)}+, then run npm run build:test-tools`);
      const wrapper = await ensureWrapperModule(go, genv, name, pin, localGo, log);
      log(`${bin}: building ${pin.binaries[bin]}@${pin.version} into ${outDir}`);
      const seconds = await buildBinary({ go, env: genv, name, bin, pkg: pin.binaries[bin]!, wrapperDir: wrapper, outDir, ldflags: ldflags(name, pin, loadInfraVersions()), log });
      return { bin, path: target, seconds };
    },
    log,
  );
}

/** Go version the wrapper module of a tool needs (its go directive), for messages and the check. */
function goNeeded(name: string): string {
  const goMod = join(wrapperDir(name), 'go.mod');
  const directive = existsSync(goMod) ? /^go (\S+)/m.exec(readFileSync(goMod, 'utf8'))?.[1] : undefined;
  return directive ?? loadInfraVersions().go;
}

/** venv/<package>-<version>/ in the cache. */
export function pythonVenvDir(pkg: string, env: NodeJS.ProcessEnv = process.env, pins: ToolPins = loadToolPins()): string {
  const version = pins.python[pkg];
  if (version === undefined) throw new Error(`ETESTINFRA no "${pkg}" in the "python" of ${VERSIONS_FILE}; known: ${Object.keys(pins.python).join(', ')}`);
  return join(cacheRoot(env), 'venv', `${pkg}-${version}`);
}

/**
 * The python of a venv that has the pinned PyPI package, made with `python3 -m venv` and pip when
 * missing. Throws ETESTINFRA naming what failed (no python3, no venv module, pip or PyPI failing).
 */
export async function ensurePythonPackage(pkg: string, env: NodeJS.ProcessEnv = process.env, log: Log = () => undefined): Promise<{ python: string; seconds: number }> {
  const pins = loadToolPins();
  const dir = pythonVenvDir(pkg, env, pins);
  const python = join(dir, 'bin', 'python3');
  const done = join(dir, '.installed');
  if (existsSync(done)) return { python, seconds: 0 };
  return withCacheLock(
    join(cacheRoot(env), 'venv', '.build.lock'),
    async () => {
      if (existsSync(done)) return { python, seconds: 0 };
      const t0 = process.hrtime.bigint();
      const system = env['PYTHON'] ?? 'python3';
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dirname(dir), { recursive: true });
      log(`${pkg}: ${system} -m venv ${dir}, then pip install ${pkg}==${pins.python[pkg]}`);
      await run(system, ['-m', 'venv', dir], { cwd: dirname(dir), env }).catch((e: Error) => {
        throw new NoPythonVenvError(`ETESTINFRA cannot make a Python venv for ${pkg} (needs python3 with its venv module; Debian: apt-get install python3-venv)\n${e.message}`);
      });
      await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', `${pkg}==${pins.python[pkg]}`], { cwd: dir, env: { ...env, PIP_REQUIRE_VIRTUALENV: '1' } });
      writeFileSync(done, `${pkg}==${pins.python[pkg]}\n`);
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      log(`${pkg}: installed in ${seconds.toFixed(1)}s`);
      return { python, seconds };
    },
    log,
  );
}
