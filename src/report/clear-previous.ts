/**
 * A reports directory reused by a new run: what an earlier run wrote there (its reports, step logs
 * and control runs) is removed first, so every file in it is this run's. Otherwise a step log
 * would carry the earlier run's lines and a CI glob over controls/*\/junit.xml would pick up a
 * control the drill no longer has. Files dr-drill did not write are left alone.
 */
import { existsSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { REPORT_FILES } from './write.ts';

export function clearPreviousRun(outDir: string): void {
  for (const name of Object.values(REPORT_FILES)) rmSync(path.join(outDir, name), { force: true });
  const logs = path.join(outDir, 'logs');
  for (const entry of list(logs)) if (entry.endsWith('.log')) rmSync(path.join(logs, entry), { force: true });
  const controls = path.join(outDir, 'controls');
  for (const entry of list(controls)) {
    const dir = path.join(controls, entry);
    // A control's run directory is a reports directory of its own: cleared whole only if it is one.
    if (existsSync(path.join(dir, REPORT_FILES.result)) || existsSync(path.join(dir, 'logs'))) {
      clearPreviousRun(dir);
      rmSync(path.join(dir, 'logs'), { recursive: true, force: true });
      if (list(dir).length === 0) rmSync(dir, { recursive: true, force: true });
    }
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
