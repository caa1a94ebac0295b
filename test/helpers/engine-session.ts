/** A target session for engine tests: a virtual clock and nothing else; any shell, HTTP or cluster use fails the test. */
import assert from 'node:assert/strict';
import { applyClusterAccess, type TargetSession } from '../../src/contract/target.ts';
import { virtualClock } from '../../src/engine/virtual-clock.ts';

export function engineSession(): TargetSession {
  return {
    kind: 'sim',
    clock: virtualClock(),
    facts: {},
    kubeconfigPath: undefined,
    talosconfigPath: undefined,
    useClusterAccess(access) {
      applyClusterAccess(this, access);
    },
    shellFor: () => ({ run: async () => assert.fail('no shell in engine tests'), which: async () => undefined }),
    httpFor: () => ({ request: async () => assert.fail('no http in engine tests') }),
    clusterFor: async () => assert.fail('no cluster in engine tests'),
    commandEnv: () => ({}),
    declareDisaster: () => undefined,
    close: async () => undefined,
  };
}
