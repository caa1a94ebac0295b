// A start-up failure after the control plane is up must still leave nothing
// behind: here source-controller is swapped for a program that exits at once.
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLocalCluster, uniqueClusterName } from '../../src/cluster/local/index.ts';
import { allBinaryNames, binDir, loadInfraVersions, requireInfraBinaries, requireTool, toolBinDir } from '../../src/cluster/local/infra-versions.ts';

function processesMentioning(text: string): number[] {
  const out: number[] = [];
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text)) out.push(Number(d));
    } catch {
      // exited meanwhile
    }
  }
  return out.filter((pid) => pid !== process.pid);
}

test('a failed start tears down the control plane and removes the temp dir', { timeout: 180_000 }, async () => {
  const v = loadInfraVersions();
  const real = requireInfraBinaries(v);
  const cache = mkdtempSync(join(tmpdir(), 'dr-drill-failtest-cache-'));
  try {
    const dir = binDir(v, { DR_DRILL_CACHE: cache });
    mkdirSync(dir, { recursive: true });
    for (const name of allBinaryNames(v)) {
      if (name === 'source-controller') {
        writeFileSync(join(dir, name), '#!/bin/sh\necho "simulated crash" >&2\nexit 3\n');
        chmodSync(join(dir, name), 0o755);
      } else {
        symlinkSync(real[name]!, join(dir, name));
      }
    }
    // cert-manager's controller starts before Flux: the teardown has to stop it too.
    const certManagerDir = toolBinDir('cert-manager', v, { DR_DRILL_CACHE: cache });
    mkdirSync(certManagerDir, { recursive: true });
    symlinkSync(requireTool('cert-manager', 'cert-manager-controller', v), join(certManagerDir, 'cert-manager-controller'));
    const before = new Set(readdirSync(tmpdir()).filter((f) => f.startsWith('dr-drill-local-')));
    const name = uniqueClusterName();
    await assert.rejects(
      startLocalCluster({ name, env: { ...process.env, DR_DRILL_CACHE: cache } }),
      /source-controller exited:[\s\S]*simulated crash/,
    );
    const leftDirs = readdirSync(tmpdir()).filter((f) => f.startsWith('dr-drill-local-') && !before.has(f));
    assert.deepEqual(leftDirs, [], 'temp dir removed');
    // kwok's control-plane processes carry the cluster name in their paths; zombies are not running.
    const alive = processesMentioning(name).filter((pid) => {
      try {
        return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        return false;
      }
    });
    assert.deepEqual(alive, [], `no process of ${name} left`);
  } finally {
    rmSync(cache, { recursive: true, force: true });
  }
});
