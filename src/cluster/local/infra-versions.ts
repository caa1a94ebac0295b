/**
 * Reads the single version pin (test-infra/versions.json) and locates the
 * binaries that scripts/build-test-infra.ts builds into the user cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DrillError } from '../../util/errors.ts';

export interface ComponentPin {
  module: string;
  version: string;
  /** Published version of Kubernetes staging modules (k8s.io/api ...), only for k8s.io/kubernetes. */
  stagingVersion?: string;
  /** Binary name -> Go package path. */
  binaries: Record<string, string>;
  /** -ldflags -X values (package.variable -> value) that upstream release builds set. */
  linkerVars?: Record<string, string>;
  /** Replace directives the upstream go.mod lacks but the build needs ("old => new version"), copied into the wrapper. */
  extraReplaces?: string[];
}

export interface CrdPin {
  module: string;
  version: string;
  /** Directory inside the module holding the CRD YAML files. */
  dir: string;
  /** Only these files (default: every *.yaml in dir). */
  files?: string[];
}

export interface InfraVersions {
  go: string;
  components: Record<string, ComponentPin>;
  crds: Record<string, CrdPin>;
  /**
   * The runbooks' own tools that the local target runs for real (OpenTofu, sops, ...): built like
   * the components, but each cached in its own bin/<name>-<version>/ so that adding or bumping one
   * never invalidates the control plane's cache key.
   */
  tools?: Record<string, ComponentPin>;
}

export const VERSIONS_FILE = fileURLToPath(new URL('../../../test-infra/versions.json', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function loadInfraVersions(file: string = VERSIONS_FILE): InfraVersions {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as Partial<InfraVersions>;
  if (typeof raw.go !== 'string' || raw.components === undefined || raw.crds === undefined) {
    throw new DrillError('ETESTINFRA', `${file} must define "go", "components" and "crds"`, { details: 'restore test-infra/versions.json from git' });
  }
  return raw as InfraVersions;
}

/** Root of the dr-drill cache: $DR_DRILL_CACHE or ~/.cache/dr-drill. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env['DR_DRILL_CACHE'];
  return fromEnv !== undefined && fromEnv !== '' ? fromEnv : join(homedir(), '.cache', 'dr-drill');
}

/** Directory name that changes whenever any pinned component version changes. */
export function versionKey(versions: InfraVersions): string {
  const k8s = versions.components['kubernetes']?.version ?? 'unknown';
  const hash = createHash('sha256')
    .update(JSON.stringify({ go: versions.go, components: versions.components }))
    .digest('hex')
    .slice(0, 10);
  return `k8s-${k8s}-${hash}`;
}

export function binDir(versions: InfraVersions = loadInfraVersions(), env: NodeJS.ProcessEnv = process.env): string {
  return join(cacheRoot(env), 'bin', versionKey(versions));
}

export function allBinaryNames(versions: InfraVersions): string[] {
  return Object.values(versions.components).flatMap((component) => Object.keys(component.binaries));
}

export type InfraBinaries = Record<string, string>;

/**
 * Paths of all pinned binaries; throws ETESTINFRA naming the missing ones and the
 * command that builds them.
 */
export function requireInfraBinaries(versions: InfraVersions = loadInfraVersions(), env: NodeJS.ProcessEnv = process.env): InfraBinaries {
  const dir = binDir(versions, env);
  const out: InfraBinaries = {};
  const missing: string[] = [];
  for (const name of allBinaryNames(versions)) {
    const binaryPath = join(dir, name);
    if (existsSync(binaryPath)) out[name] = binaryPath;
    else missing.push(name);
  }
  if (missing.length > 0) {
    throw new DrillError('ETESTINFRA', `local cluster binaries missing in ${dir}: ${missing.join(', ')}`, {
      details: `Build them once (Go ${versions.go}+ and the Go module proxy needed): node scripts/build-test-infra.ts`,
    });
  }
  return out;
}

/** Module path prefix of the wrapper modules in test-infra/go/<name>/. */
export const WRAPPER_MODULE_PREFIX = 'dr-drill.local/test-infra/';

function goSources(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.go'))
    .sort()
    .map((file) => join(dir, file));
}

/**
 * Cache directory name of a pinned tool: <name>-<version>, plus a hash of the wrapper's own Go
 * sources when the wrapper carries a main package (cert-manager), so editing that main rebuilds it.
 */
export function toolCacheName(name: string, pin: ComponentPin): string {
  const own = Object.values(pin.binaries).some((pkg) => pkg.startsWith(`${WRAPPER_MODULE_PREFIX}${name}/`));
  if (!own) return `${name}-${pin.version}`;
  const hash = createHash('sha256');
  for (const file of goSources(join(REPO_ROOT, 'test-infra', 'go', name))) hash.update(file.slice(REPO_ROOT.length)).update('\0').update(readFileSync(file)).update('\0');
  return `${name}-${pin.version}-${hash.digest('hex').slice(0, 10)}`;
}

/** Where a pinned tool is cached: ${cache}/bin/<toolCacheName>/ (independent of the control plane's key). */
export function toolBinDir(name: string, versions: InfraVersions = loadInfraVersions(), env: NodeJS.ProcessEnv = process.env): string {
  const pin = versions.tools?.[name];
  if (pin === undefined) throw new DrillError('ETESTINFRA', `test-infra/versions.json has no tools.${name} pin`, { details: `add a tools.${name} pin to test-infra/versions.json` });
  return join(cacheRoot(env), 'bin', toolCacheName(name, pin));
}

/** Directories of every pinned tool that is built, for PATH (the local target runs them by name). */
export function builtToolDirs(versions: InfraVersions = loadInfraVersions(), env: NodeJS.ProcessEnv = process.env): string[] {
  return Object.entries(versions.tools ?? {})
    .filter(([name, pin]) => Object.keys(pin.binaries).every((bin) => existsSync(join(toolBinDir(name, versions, env), bin))))
    .map(([name]) => toolBinDir(name, versions, env));
}

/** Path of one pinned tool's binary; throws ETESTINFRA with the build command when it is missing. */
export function requireTool(name: string, bin: string = name, versions: InfraVersions = loadInfraVersions(), env: NodeJS.ProcessEnv = process.env): string {
  const file = join(toolBinDir(name, versions, env), bin);
  if (!existsSync(file)) {
    throw new DrillError('ETESTINFRA', `${bin} ${versions.tools?.[name]?.version ?? ''} missing: ${file}`, { details: `Build it once (Go ${versions.go}+ and the Go module proxy needed): node scripts/build-test-infra.ts` });
  }
  return file;
}

/** venv/<package>-<version>/ of a pinned PyPI package ("python" in versions.json), as scripts/build-test-tools.ts installs it. */
export function pythonVenvDir(pkg: string, env: NodeJS.ProcessEnv = process.env): string {
  const pins = (JSON.parse(readFileSync(VERSIONS_FILE, 'utf8')) as { python?: Record<string, string> }).python ?? {};
  const version = pins[pkg];
  if (version === undefined) throw new DrillError('ETESTINFRA', `test-infra/versions.json has no python."${pkg}" pin`, { details: `add "${pkg}" to "python" in test-infra/versions.json` });
  return join(cacheRoot(env), 'venv', `${pkg}-${version}`);
}

/** A program of a pinned PyPI package's venv (e.g. moto_server); throws ETESTINFRA with the install command when it is missing. */
export function requirePythonProgram(pkg: string, program: string, env: NodeJS.ProcessEnv = process.env): string {
  const dir = pythonVenvDir(pkg, env);
  const file = join(dir, 'bin', program);
  if (!existsSync(join(dir, '.installed')) || !existsSync(file)) {
    throw new DrillError('ETESTINFRA', `${program} (PyPI ${pkg}) missing: ${file}`, { details: `Install it once (python3 with venv and PyPI needed): npm run build:test-tools '${pkg}'` });
  }
  return file;
}
