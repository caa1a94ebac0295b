/**
 * Preflight: after planning, before anything is provisioned (before T0). Checks that the tools
 * the plan's steps need are installed (with their versions), that every environment variable the
 * plan uses is set, that the SOPS age key is not empty and matches .sops.yaml, that the Git
 * remotes answer, and that the drill is isolated from what the `production:` block says
 * production owns. What each step needs is what its kind declares. Every problem is collected;
 * then one DrillErrors lists them all.
 */
import type { Plan, StepRegistry } from '../drill/plan.ts';
import { loadDrillFile, type LoadedDrill } from '../drill/load.ts';
import { simTargetSchema } from '../drill/schema.ts';
import { PREFLIGHT_CHECKS } from '../drill/safety-schema.ts';
import type { Shell } from '../contract/shell.ts';
import { stepRegistry } from '../steps/registry.ts';
import { realShell, whichCommand } from '../targets/real-shell.ts';
import { localToolPath } from '../targets/local/tool-path.ts';
import { createSimTarget } from '../targets/sim/target.ts';
import type { TargetSession } from '../contract/target.ts';
import { DrillErrors } from '../util/errors.ts';
import { createContext } from './context.ts';
import { checkEnvironment } from './env.ts';
import { checkIsolation } from './isolation.ts';
import { checkAgeKey, checkGitRemotes } from './secrets.ts';
import { checkTools } from './tools.ts';

export interface PreflightOptions {
  env: Record<string, string | undefined>;
  runId?: string;
  /** The drill as loaded, for file:line:column in messages; without it preflight reads the plan's file again. */
  loaded?: LoadedDrill;
  /** The run's target session: its shell, its ${target.*} facts and, on an existing cluster, its API. Without one preflight opens its own. */
  session?: TargetSession;
  registry?: StepRegistry;
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
  const owned = options.session ? undefined : plan.target === 'sim' ? createSimTarget(plan.drill.targets.sim ?? simTargetSchema.parse({}), new Map()) : undefined;
  const session = options.session ?? owned;
  try {
    const loaded = options.loaded ?? (await loadDrillFile(plan.file).catch(() => undefined)); // planned from text (tests): locations name the file only
    const context = createContext(plan, loaded, {
      shell: preflightShell(plan, options.env, session),
      registry: options.registry ?? stepRegistry,
      env: options.env,
      runId: options.runId ?? 'preflight',
      signal: options.signal ?? new AbortController().signal,
      facts: session?.facts ?? {},
      // Only a cluster that exists before the run (an existing cluster) can be asked before T0.
      cluster: async () => (session?.kubeconfigPath ? session.clusterFor('preflight') : undefined),
    });
    // The drill file may leave out some checks, never isolation: only --skip-preflight skips that.
    const skip = new Set<string>(plan.drill.preflight?.skip ?? []);
    skip.delete('isolation');
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

/**
 * The shell preflight asks: on `sim` the simulated world's (its `which` says what the sim
 * provides); elsewhere the target's, finding programs as the drill's commands will: on the drill
 * environment's PATH, and on `local` with the pinned tools the target puts first (tofu) too.
 */
function preflightShell(plan: Plan, env: Record<string, string | undefined>, session: TargetSession | undefined): Shell {
  const inner = session?.shellFor('preflight') ?? realShell();
  if (plan.target === 'sim') return inner;
  const searchPath = plan.target === 'local' ? localToolPath(env) : (env.PATH ?? process.env.PATH ?? '');
  return {
    which: (command) => whichCommand(command, searchPath),
    run: (command, args, options = {}) => inner.run(command, args, { ...options, env: { ...env, PATH: searchPath, ...options.env } }),
  };
}
