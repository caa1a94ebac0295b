/**
 * A reports directory reused by a new run: what an earlier run wrote there (its reports, step logs
 * and control runs) is removed first, so every report and log in it is this run's. Otherwise a step log
 * would carry the earlier run's lines and a CI glob over controls/*\/junit.xml would pick up a
 * control the drill no longer has. Files dr-drill did not write are left alone.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPORT_FILES } from './write.ts';

export function clearPreviousRun(outDir: string): void {
  // Only a directory an earlier run wrote its result to is a reports directory: --out . clears nothing of yours.
  if (!existsSync(path.join(outDir, REPORT_FILES.result))) return;
  for (const name of Object.values(REPORT_FILES)) rmSync(path.join(outDir, name), { force: true });
  const logs = path.join(outDir, 'logs');
  for (const entry of list(logs)) if (entry.endsWith('.log')) rmSync(path.join(logs, entry), { force: true });
  rmdirIfEmpty(logs);
  const controls = path.join(outDir, 'controls');
  // A control's run directory is a reports directory of its own, cleared by the same rule.
  for (const entry of list(controls)) {
    const dir = path.join(controls, entry);
    clearPreviousRun(dir);
    rmdirIfEmpty(dir);
  }
  rmdirIfEmpty(controls);
}

function rmdirIfEmpty(dir: string): void {
  if (existsSync(dir) && list(dir).length === 0) rmSync(dir, { recursive: true, force: true });
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
