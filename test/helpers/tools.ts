/**
 * The real programs the tests drive, never assumed to be on PATH: restic, age and age-keygen are built
 * from the Go module proxy into the cache on first use (scripts/lib/test-tools.ts), prometheus_client is
 * pip-installed into a cached venv. Without Go (or python3's venv) a test is skipped with the command
 * that enables it; under DR_DRILL_REQUIRE_TOOLS (CI) a missing tool fails the test file instead.
 */
import path from 'node:path';
import { ensurePythonPackage, ensureTool, NoGoToolchainError, NoPythonVenvError } from '../../scripts/lib/test-tools.ts';

/** Set by .ci/run: a tool the tests cannot get is a failure, never a skip. */
export const REQUIRE_TOOLS = (process.env.DR_DRILL_REQUIRE_TOOLS ?? '') !== '' && process.env.DR_DRILL_REQUIRE_TOOLS !== '0';

export interface TestTools {
  /** false, or why the tests that need these tools are skipped (and the command that enables them). */
  skip: string | false;
  /** The cached binary of each tool (empty when skipped). */
  paths: Record<string, string>;
  /** The tools' directories before process.env.PATH: the PATH to give the code under test. */
  PATH: string;
}

const log = (msg: string): void => {
  process.stderr.write(`[test tools] ${msg}\n`);
};

/**
 * The pinned binaries, built once per machine when missing (a lock keeps parallel test files from
 * building twice; the first build of restic takes minutes). Call with top-level await.
 */
export async function requireTools(bins: string[], env: NodeJS.ProcessEnv = process.env, requireAll: boolean = REQUIRE_TOOLS): Promise<TestTools> {
  const paths: Record<string, string> = {};
  for (const bin of bins) {
    try {
      paths[bin] = (await ensureTool(bin, env, log)).path;
    } catch (error) {
      if (error instanceof NoGoToolchainError && !requireAll) return { skip: error.message, paths: {}, PATH: env['PATH'] ?? '' };
      throw error;
    }
  }
  const dirs = [...new Set(Object.values(paths).map((p) => path.dirname(p)))];
  return { skip: false, paths, PATH: [...dirs, env['PATH'] ?? ''].join(path.delimiter) };
}

/** The path of one pinned binary (building it when missing); throws when it cannot be had. */
export async function requireTool(bin: string): Promise<string> {
  const tools = await requireTools([bin]);
  if (tools.skip !== false) throw new Error(tools.skip);
  return tools.paths[bin]!;
}

/** A python3 that can import the pinned PyPI package, from a venv in the cache made on first use. */
export async function requirePythonPackage(pkg: string): Promise<{ skip: string | false; python: string }> {
  try {
    return { skip: false, python: (await ensurePythonPackage(pkg, process.env, log)).python };
  } catch (error) {
    if (error instanceof NoPythonVenvError && !REQUIRE_TOOLS) return { skip: `${error.message.split('\n')[0]}; then: npm run build:test-tools ${pkg}`, python: '' };
    throw error;
  }
}
