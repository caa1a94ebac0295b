// `dr-drill run drills/cold-start.yaml --target local`, as users run it: before T0 a production
// cluster reconciled from the target's Git server is backed up by a real Velero server (and restic
// for the volume data), then lost; a real kwok control plane provisioned and destroyed by real
// OpenTofu, with real Flux, gets its own Velero server reading the bucket ReadOnly, and the real
// velero.restore restores production's Backup; a teardown that leaves nothing behind. Then the same drill against a GitOps
// tree whose infrastructure-configs layer does not build: red, with Flux's reason.
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, test } from 'node:test';
import { SAMPLE_FIXTURE_DIR } from '../../src/cluster/local/sample-repo.ts';
import type { DrillResult } from '../../src/result/model.ts';
import { runCli } from '../helpers/cli.ts';
import { tempDir } from '../helpers/drill-fixtures.ts';
import { requireTool } from '../helpers/tools.ts';

// The local target stages and restores its backup with the `restic` on PATH: the pinned one, built
// from the Go module proxy on first use, leads the PATH the CLI inherits.
process.env.PATH = `${path.dirname(await requireTool('restic'))}${path.delimiter}${process.env.PATH ?? ''}`;
import { privateTmp } from './leftovers.ts';

const HOUR = 3_600_000;

/** Runs the shipped drill on the local target with a temp dir of its own, whose leftovers are only this run's. */
async function runLocal(env: Record<string, string> = {}): Promise<{ code: number | null; result: DrillResult; output: string; out: string; leftovers: () => { dirs: string[]; processes: string[] } }> {
  const out = path.join(await tempDir(), 'reports');
  const tmp = privateTmp();
  // Removed when the test file ends, after the leftover check of its run.
  after(tmp.remove);
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'local', '--out', out], { env: { TMPDIR: tmp.TMPDIR, ...env } });
  const output = run.stdout + run.stderr;
  assert.ok(existsSync(path.join(out, 'result.json')), output);
  return { code: run.code, result: JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as DrillResult, output, out, leftovers: tmp.leftovers };
}

test('the cold-start drill runs green on the local target: real Flux, a real Velero Restore of production\'s Backup, nothing left behind', { timeout: 600_000 }, async () => {
  const { code, result, output, leftovers } = await runLocal();
  assert.equal(code, 0, output);
  assert.equal(result.status, 'passed', result.reason);
  assert.equal(result.run.target, 'local');
  const step = (id: string) => result.steps.find((candidate) => candidate.id === id)!;
  for (const id of ['git-head', 'terraform-apply', 'talos-health', 'flux-bootstrap', 'flux-controllers', 'ingress-ip', 'flux-configs', 'cluster-issuer', 'flux-apps', 'velero-restore', 'paperless-check', 'jellyfin-check', 'terraform-destroy']) {
    assert.equal(step(id).status, 'passed', `${id}: ${JSON.stringify(step(id).error)}`);
  }
  assert.equal(step('gitlab-db-restore').status, 'not-applicable');
  // Provisioned by real OpenTofu, with the configuration shipped in src/targets/local/terraform/.
  assert.equal(step('terraform-apply').kind, 'terraform.apply');
  assert.equal(step('terraform-apply').outputs.binary, 'tofu');
  assert.match(String(step('terraform-apply').outputs.cluster_name), /^dr-drill-[0-9a-f]{8}$/);
  assert.equal(step('terraform-destroy').kind, 'terraform.destroy');
  assert.equal(step('terraform-destroy').outputs.destroyed, true);
  // The real Restore, of the Backup production made from its daily Schedule before T0.
  const restore = step('velero-restore');
  assert.equal(restore.kind, 'velero.restore');
  assert.equal(restore.standIn, undefined);
  assert.equal(restore.outputs.phase, 'Completed');
  assert.equal(restore.outputs.restore, `velero-restore-${result.run.id}`);
  assert.match(String(restore.outputs.backup), /^daily-\d{14}$/);
  assert.ok(Number(restore.outputs.itemsRestored) > 0 && restore.outputs.itemsRestored === restore.outputs.totalItems, JSON.stringify(restore.outputs));
  assert.ok(Date.parse(String(restore.outputs.backupStartedAt)) < Date.parse(result.run.startedAt), 'the backup ran before T0');
  assert.deepEqual(step('ingress-ip').outputs, { value: '192.0.2.10' });

  // Configuration RPO: Flux applied the branch HEAD that git.head saw at T0.
  const config = result.rpo.find((rpo) => rpo.dataClass === 'cluster-config')!;
  assert.equal(config.verdict, 'met');
  assert.equal(config.achievedMs, 0);
  assert.deepEqual(step('flux-apps').outputs.revisions, { apps: `drill/local@sha1:${String(step('git-head').outputs.revision)}` });
  // Data RPO: from the real Backup's start time; restic's volume data, taken in the same backup
  // window, holds a newest canary record of that moment.
  const data = result.rpo.find((rpo) => rpo.dataClass === 'data')!;
  assert.equal(data.verdict, 'met');
  assert.deepEqual(data.samples.map((sample) => sample.stepId).sort(), ['paperless-check', 'velero-restore']);
  const velero = data.samples.find((sample) => sample.stepId === 'velero-restore')!;
  assert.equal(velero.source, `velero backup velero/${String(restore.outputs.backup)} status.startTimestamp`);
  assert.equal(Date.parse(velero.dataTime), Date.parse(String(restore.outputs.backupStartedAt)));
  assert.equal(data.achievedMs, Date.parse(result.run.startedAt) - Date.parse(velero.dataTime));
  assert.ok(data.achievedMs! > 0 && data.achievedMs! < HOUR, String(data.achievedMs));
  assert.equal(data.samples.find((sample) => sample.stepId === 'paperless-check')!.ageMs, velero.ageMs);

  for (const milestone of result.milestones) assert.equal(milestone.verdict, 'met', milestone.name);
  assert.deepEqual(leftovers(), { dirs: [], processes: [] });
});

test('a Kustomization that does not build turns the local drill red with Flux\'s reason; teardown still runs', { timeout: 600_000 }, async () => {
  const gitops = path.join(await tempDir(), 'gitops');
  cpSync(SAMPLE_FIXTURE_DIR, gitops, { recursive: true });
  // A resource that is not there: kustomize-controller fails the build of infrastructure-configs.
  writeFileSync(path.join(gitops, 'infrastructure', 'configs', 'kustomization.yaml'), 'apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - cluster-settings.yaml\n  - cluster-issuer.yaml\n  - missing-issuer.yaml\n');
  const { code, result, output, leftovers } = await runLocal({ DRILL_LOCAL_GITOPS: gitops });
  assert.equal(code, 1, output);
  assert.equal(result.status, 'failed');
  const configs = result.steps.find((step) => step.id === 'flux-configs')!;
  assert.equal(configs.status, 'failed');
  assert.match(configs.error!.message, /infrastructure-configs/);
  assert.match(`${configs.error!.message}\n${configs.error!.details ?? ''}`, /BuildFailed/);
  assert.match(`${configs.error!.message}\n${configs.error!.details ?? ''}`, /missing-issuer\.yaml/);
  assert.equal(result.steps.find((step) => step.id === 'flux-controllers')!.status, 'passed');
  assert.equal(result.steps.find((step) => step.id === 'velero-restore')!.status, 'skipped');
  assert.equal(result.steps.find((step) => step.id === 'terraform-destroy')!.status, 'passed');
  assert.deepEqual(leftovers(), { dirs: [], processes: [] });
});

test('SIGTERM during the Flux layers cancels the local drill: teardown runs, a partial result is written, nothing is left', { timeout: 600_000 }, async () => {
  const tmp = privateTmp();
  after(tmp.remove);
  const out = path.join(await tempDir(), 'reports');
  let sent = false;
  const run = await runCli(['run', 'drills/cold-start.yaml', '--target', 'local', '--out', out], {
    env: { TMPDIR: tmp.TMPDIR },
    onStdout: (text, child) => {
      if (!sent && text.includes('▶ flux-controllers')) {
        sent = true;
        child.kill('SIGTERM');
      }
    },
  });
  assert.ok(sent, run.stdout);
  assert.equal(run.code, 130, run.stdout + run.stderr);
  const result = JSON.parse(readFileSync(path.join(out, 'result.json'), 'utf8')) as DrillResult;
  assert.equal(result.status, 'cancelled');
  assert.equal(result.steps.find((step) => step.id === 'terraform-apply')!.status, 'passed');
  assert.equal(result.steps.find((step) => step.id === 'terraform-destroy')!.status, 'passed');
  assert.notEqual(result.steps.find((step) => step.id === 'flux-apps')!.status, 'passed');
  assert.deepEqual(tmp.leftovers(), { dirs: [], processes: [] });
});
