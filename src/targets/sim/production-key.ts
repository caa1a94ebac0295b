/**
 * The production age key of a sealed simulated world (targets.sim.sops): generated per run and
 * written 0600 into a private temporary directory, where the drill's steps find it as
 * ${target.ageKeyFile} (on a real target: the operator's SOPS_AGE_KEY_FILE). Removed when the target closes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ageKeyFile, generateAgeKey, type AgeKey } from './sops-format.ts';

export function productionAgeKey(created: string): { key: AgeKey; file: string; remove(): void } {
  const key = generateAgeKey();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'dr-drill-sim-key-'));
  const file = path.join(dir, 'age.agekey');
  writeFileSync(file, ageKeyFile(key, created), { mode: 0o600 });
  return { key, file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
