/**
 * Preflight: after planning, before anything is provisioned (before T0). Checks that the tools
 * the plan's steps need are installed (with their versions), that every environment variable the
 * plan uses is set, that the SOPS age key is not empty and matches .sops.yaml, that the Git
 * remotes answer, and that the drill is isolated from what the `production:` block says
 * production owns. Every problem is collected; then one DrillErrors lists them all.
 */
import type { Plan } from '../drill/plan.ts';
import { loadDrillFile, type LoadedDrill } from '../drill/load.ts';
import { simTargetSchema } from '../drill/schema.ts';
import { PREFLIGHT_CHECKS } from '../drill/safety-schema.ts';
import type { Shell } from '../engine/shell.ts';
import { realShell, whichCommand } from '../targets/real-shell.ts';
import { localToolPath } from '../targets/local/tool-path.ts';
import { createSimTarget } from '../targets/sim/target.ts';
import { DrillErrors } from '../util/errors.ts';
import { createContext } from './context.ts';
import { checkEnvironment } from './env.ts';
import { checkIsolation } from './isolation.ts';
import { checkAgeKey, checkGitRemotes } from './secrets.ts';
import { checkTools } from './tools.ts';

export interface PreflightOptions {
  env: Record<string, string | undefined>;
  runId?: string;
  /** Defaults to the target's shell: the real one, or a throwaway simulated world's on `sim`. */
  shell?: Shell;
  signal?: AbortSignal;
  /** Run only these checks (a teardown needs its tools and isolation, not the age key or Git). */
  only?: readonly (typeof PREFLIGHT_CHECKS)[number][];
}

export interface PreflightReport {
  /** What was checked and found fine, e.g. `tools: terraform v1.13.4 (/usr/bin/terraform)`. */
  notes: { check: (typeof PREFLIGHT_CHECKS)[number] | string; message: string }[];
}

/** Resolves with what passed; rejects with DrillErrors (EPREFLIGHT / EPRODTARGET, each naming the field and the fix). */
export async function runPreflight(plan: Plan, options: PreflightOptions): Promise<PreflightReport> {
  const owned = options.shell ? undefined : preflightShell(plan, options.env);
  try {
    let loaded: LoadedDrill | undefined;
    try {
      loaded = await loadDrillFile(plan.file);
    } catch {
      loaded = undefined; // planned from text (tests): locations name the file only
    }
    const context = createContext(plan, loaded, { shell: options.shell ?? owned!.shell, env: options.env, runId: options.runId ?? 'preflight', signal: options.signal ?? new AbortController().signal });
    const skip = new Set<string>(plan.drill.preflight?.skip ?? []);
    if (options.only) for (const check of PREFLIGHT_CHECKS) if (!options.only.includes(check)) skip.add(check);
    if (!skip.has('tools')) await checkTools(context);
    if (!skip.has('env')) checkEnvironment(context);
    if (!skip.has('age-key')) await checkAgeKey(context);
    if (!skip.has('git-remote')) await checkGitRemotes(context);
    if (!skip.has('isolation')) await checkIsolation(context);
    if (context.problems.length > 0) {
      // Production first: those are the ones that must never be overridden by a quick fix.
      const sorted = [...context.problems.filter((problem) => problem.code === 'EPRODTARGET'), ...context.problems.filter((problem) => problem.code !== 'EPRODTARGET')];
      throw new DrillErrors(sorted);
    }
    return { notes: context.notes };
  } finally {
    await owned?.close();
  }
}

/** The shell preflight asks: the real one, or on `sim` a simulated world's (its `which` says what the sim provides). */
export function preflightShell(plan: Plan, env: Record<string, string | undefined>): { shell: Shell; close(): Promise<void> } {
  if (plan.target !== 'sim') {
    // Programs as the drill's steps will find them: on the drill environment's PATH.
    // On local, the pinned tools the target puts first on its steps' PATH (tofu) too.
    const searchPath = plan.target === 'local' ? localToolPath(env) : (env.PATH ?? process.env.PATH ?? '');
    const real = realShell();
    const shell: Shell = {
      which: (command) => whichCommand(command, searchPath),
      run: (command, args, options = {}) => real.run(command, args, { ...options, env: { ...env, PATH: searchPath, ...options.env } }),
    };
    return { shell, close: async () => undefined };
  }
  const session = createSimTarget(plan.drill.targets.sim ?? simTargetSchema.parse({}), new Map());
  return { shell: session.shellFor('preflight'), close: () => session.close() };
}
