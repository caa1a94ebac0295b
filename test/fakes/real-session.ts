/** A real-target session for step tests: the real shell (optionally with a PATH prefix), the system clock, no cluster. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { systemClock } from '../../src/engine/clock.ts';
import type { DrillEvent } from '../../src/engine/events.ts';
import type { HttpClient } from '../../src/contract/http.ts';
import { runEngine, type EngineOutcome } from '../../src/engine/run.ts';
import type { Plan } from '../../src/drill/plan.ts';
import { realShell } from '../../src/targets/real-shell.ts';
import { applyClusterAccess, type TargetSession } from '../../src/contract/target.ts';
import { DrillError } from '../../src/util/errors.ts';
import { Masker } from '../../src/util/mask.ts';
import { stepRegistry } from '../../src/steps/registry.ts';

export const FAKES_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), 'bin');

export function realSession(options: { http?: HttpClient } = {}): TargetSession {
  const shell = realShell();
  const session: TargetSession = {
    kind: 'kubeconfig',
    clock: systemClock(),
    facts: {},
    kubeconfigPath: undefined,
    talosconfigPath: undefined,
    useClusterAccess(access) {
      applyClusterAccess(this, access);
    },
    shellFor: () => shell,
    httpFor: () => options.http ?? { request: async () => Promise.reject(new Error('no HTTP in this test')) },
    clusterFor: async () => {
      throw new DrillError('ECLUSTER', 'no cluster in this test');
    },
    commandEnv: () => ({
      ...(session.kubeconfigPath ? { KUBECONFIG: session.kubeconfigPath } : {}),
      ...(session.talosconfigPath ? { TALOSCONFIG: session.talosconfigPath } : {}),
    }),
    declareDisaster: () => undefined,
    close: async () => undefined,
  };
  return session;
}

/** Run a plan through the engine on a session; env is the whole environment the steps see. */
export async function runPlan(plan: Plan, options: { session: TargetSession; env: Record<string, string | undefined>; workDir: string; t0?: number; masker?: Masker }): Promise<{ outcome: EngineOutcome; events: DrillEvent[]; masker: Masker }> {
  const events: DrillEvent[] = [];
  const masker = options.masker ?? new Masker();
  masker.addFromEnvironment(options.env, plan.secretEnv);
  const outcome = await runEngine({
    plan,
    registry: stepRegistry,
    session: options.session,
    clock: options.session.clock,
    runId: 'r1',
    workDir: options.workDir,
    env: options.env,
    masker,
    ...(options.t0 !== undefined ? { t0: options.t0 } : {}),
    cancelSignal: new AbortController().signal,
    onEvent: (event) => events.push(event),
  });
  return { outcome, events, masker };
}
