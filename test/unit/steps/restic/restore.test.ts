import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { drillYaml, planFrom, tempDir } from '../../../helpers/drill-fixtures.ts';
import { realSession, runPlan } from '../../../fakes/real-session.ts';
import { createSimTarget } from '../../../../src/targets/sim/target.ts';
import { simTargetSchema } from '../../../../src/drill/schema.ts';
import { simSnapshots } from '../../../../src/targets/sim/tools/restic.ts';
import { requireTools } from '../../../helpers/tools.ts';

const exec = promisify(execFile);
const PASSWORD = 'correct horse battery staple 7f3a';
/** The pinned restic, built from the Go module proxy on first use; its directory leads the PATH the steps get. */
const restic = await requireTools(['restic']);
const needsRestic = { skip: restic.skip };

/** A real restic repository with one snapshot of a directory holding a canary log, made with the pinned restic. */
let shared: ReturnType<typeof makeRepository> | undefined;
const realRepository = () => (shared ??= makeRepository());

async function makeRepository(): Promise<{ dir: string; repo: string; source: string; snapshot: { id: string; short_id: string; time: string } }> {
  const dir = await tempDir('dr-drill-restic-');
  const repo = path.join(dir, 'repo');
  const source = path.join(dir, 'volume');
  await mkdir(path.join(source, 'db'), { recursive: true });
  await writeFile(path.join(source, 'canary.log'), '2026-11-24T23:50:00Z canary 1\n2026-11-25T00:00:00Z canary 2\n');
  await writeFile(path.join(source, 'db', 'rows.csv'), 'id,name\n1,paperless\n');
  const env = { ...process.env, RESTIC_PASSWORD: PASSWORD, RESTIC_CACHE_DIR: path.join(dir, 'cache') };
  await exec(restic.paths.restic!, ['-r', repo, 'init'], { env });
  await exec(restic.paths.restic!, ['-r', repo, 'backup', '--host', 'paperless', '--tag', 'nightly', source], { env });
  const { stdout } = await exec(restic.paths.restic!, ['-r', repo, 'snapshots', '--json'], { env });
  const [snapshot] = JSON.parse(stdout) as { id: string; short_id: string; time: string }[];
  return { dir, repo, source, snapshot: snapshot! };
}

const resticDrill = (repo: string, target: string, extra = '') =>
  drillYaml(
    `phases:
  - name: restore
    steps:
      - id: restore-paperless
        kind: restic.restore
        rpo: data
        with:
          repository: ${repo}
          password: \${env.PAPERLESS_RESTIC_PASSWORD}
          host: paperless
          tags: [nightly]
          target: ${target}
          verify: true
${extra}`,
    'objectives:\n  rpo:\n    data: 24h\n',
  );

test('restic.restore restores a real snapshot made with restic and records the RPO from the snapshot time', needsRestic, async () => {
  const { dir, repo, source, snapshot } = await realRepository();
  const target = path.join(dir, 'restored');
  const plan = planFrom(
    resticDrill(
      repo,
      target,
      `      - id: canary
        kind: data.check
        rpo: data
        with:
          file: ${path.join(target, source, 'canary.log')}
`,
    ),
  );
  const t0 = Date.now();
  const env = { PATH: restic.PATH, HOME: process.env.HOME, RESTIC_CACHE_DIR: path.join(dir, 'cache'), PAPERLESS_RESTIC_PASSWORD: PASSWORD };
  const { outcome, events } = await runPlan(plan, { session: realSession(), env, workDir: dir, t0 });

  const record = outcome.records.get('restore-paperless')!;
  assert.equal(record.status, 'passed', JSON.stringify(record.error));
  assert.equal(await readFile(path.join(target, source, 'canary.log'), 'utf8'), '2026-11-24T23:50:00Z canary 1\n2026-11-25T00:00:00Z canary 2\n');
  assert.equal(await readFile(path.join(target, source, 'db', 'rows.csv'), 'utf8'), 'id,name\n1,paperless\n');
  const snapshotMs = new Date(snapshot.time.replace(/(\.\d{3})\d+/, '$1')).getTime();
  assert.deepEqual(
    { ...record.outputs },
    { snapshot: snapshot.id, shortId: snapshot.short_id, snapshotTime: new Date(snapshotMs).toISOString(), host: 'paperless', paths: [source], target, restoredPaths: [path.join(target, source)], restoredPath: path.join(target, source), filesRestored: 2, bytesRestored: 80, checked: true },
  );
  const [sample, canary] = outcome.rpoSamples;
  assert.deepEqual(sample, {
    stepId: 'restore-paperless',
    dataClass: 'data',
    source: `restic snapshot ${snapshot.short_id} of ${source} on paperless: snapshot time`,
    dataTime: new Date(snapshotMs).toISOString(),
    ageMs: t0 - snapshotMs,
    detail: `snapshot time ${snapshot.time} is when the backup started; judged from it`,
  });
  assert.equal(canary?.dataTime, '2026-11-25T00:00:00.000Z');
  assert.equal(canary?.ageMs, t0 - Date.parse('2026-11-25T00:00:00Z'));
  const logged = events.filter((event) => event.kind === 'step.log').map((event) => (event as { message: string }).message);
  assert.ok(logged.includes(`$ restic -r ${repo} snapshots --json --host paperless --tag nightly`), logged.join('\n'));
  assert.ok(logged.includes(`$ restic -r ${repo} restore ${snapshot.id} --target ${target} --verify --json`), logged.join('\n'));
  assert.ok(logged.includes(`$ restic -r ${repo} check`));
  assert.ok(!JSON.stringify(events).includes(PASSWORD), 'the password never reaches an event');
});

test('restic.restore with a wrong password fails with the reason and never prints the password', needsRestic, async () => {
  const { dir, repo } = await realRepository();
  const plan = planFrom(resticDrill(repo, path.join(dir, 'out')));
  const env = { PATH: restic.PATH, HOME: process.env.HOME, RESTIC_CACHE_DIR: path.join(dir, 'cache'), PAPERLESS_RESTIC_PASSWORD: 'not the password' };
  const { outcome, events } = await runPlan(plan, { session: realSession(), env, workDir: dir });
  const record = outcome.records.get('restore-paperless')!;
  assert.equal(record.status, 'failed');
  assert.deepEqual(record.error, { code: 'ERESTIC', message: `restic snapshots: wrong password for repository ${repo}`, details: 'check password: / passwordFile: (the repository key the backups were made with)' });
  assert.equal(outcome.rpoSamples.length, 0);
  assert.ok(!JSON.stringify(events).includes('not the password'));
});

test('restic.restore fails when the include matches nothing, naming the snapshot', needsRestic, async () => {
  const { dir, repo, snapshot } = await realRepository();
  const plan = planFrom(resticDrill(repo, path.join(dir, 'out')).replace('verify: true', 'include: [/nope]'));
  const env = { PATH: restic.PATH, HOME: process.env.HOME, RESTIC_CACHE_DIR: path.join(dir, 'cache'), PAPERLESS_RESTIC_PASSWORD: PASSWORD };
  const { outcome } = await runPlan(plan, { session: realSession(), env, workDir: dir });
  assert.deepEqual(outcome.records.get('restore-paperless')!.error, {
    code: 'ERESTIC',
    message: `restic restore of ${snapshot.short_id} restored no files`,
    details: `no file of the snapshot matches include: /nope; list its files with: restic ls ${snapshot.short_id}`,
  });
});

test('restic.restore and data.check run unchanged on the sim target', async () => {
  const dir = await tempDir();
  const sim = createSimTarget(simTargetSchema.parse({ timeScale: 600, backupAge: '5h' }), new Map());
  const t0 = sim.clock.now();
  sim.declareDisaster(t0);
  try {
    const plan = planFrom(
      drillYaml(
        `phases:
  - name: restore
    steps:
      - id: restore-mediabox
        kind: restic.restore
        rpo: data
        with: { repository: "s3:https://s3.sim.dr-drill.invalid/restic", password: "\${env.RESTIC_PASSWORD}", host: mediabox, verify: true }
      - id: canary
        kind: data.check
        rpo: data
        with: { file: "\${steps.restore-mediabox.outputs.target}/data/mediabox/canary.log" }
`,
        'objectives:\n  rpo:\n    data: 24h\n',
      ),
    );
    const { outcome } = await runPlan(plan, { session: sim, env: { RESTIC_PASSWORD: 'sim-password' }, workDir: dir, t0 });
    const expected = simSnapshots(sim.world).filter((snapshot) => snapshot.hostname === 'mediabox').at(-1)!;
    const record = outcome.records.get('restore-mediabox')!;
    assert.equal(record.status, 'passed', JSON.stringify(record.error));
    assert.equal(record.outputs.snapshot, expected.id);
    assert.equal(record.outputs.filesRestored, 3);
    const snapshotMs = t0 - 5 * 3_600_000 - 15 * 60_000;
    assert.deepEqual(
      outcome.rpoSamples.map((sample) => [sample.stepId, sample.ageMs]),
      [
        ['restore-mediabox', t0 - Math.floor(snapshotMs)],
        ['canary', t0 - (Math.floor(snapshotMs) - 60_000)],
      ],
    );
  } finally {
    await sim.close();
  }
});

test('restic.restore restores a named snapshot by its short id', needsRestic, async () => {
  const { dir, repo, snapshot } = await realRepository();
  const target = path.join(dir, 'named');
  const plan = planFrom(resticDrill(repo, target).replace('host: paperless', `snapshot: "${snapshot.short_id}"`).replace('verify: true', 'verify: false'));
  const env = { PATH: restic.PATH, HOME: process.env.HOME, RESTIC_CACHE_DIR: path.join(dir, 'cache'), PAPERLESS_RESTIC_PASSWORD: PASSWORD };
  const { outcome, events } = await runPlan(plan, { session: realSession(), env, workDir: dir });
  const record = outcome.records.get('restore-paperless')!;
  assert.equal(record.status, 'passed', JSON.stringify(record.error));
  assert.equal(record.outputs.snapshot, snapshot.id);
  assert.equal(record.outputs.checked, false);
  const logged = events.filter((event) => event.kind === 'step.log').map((event) => (event as { message: string }).message);
  assert.ok(logged.includes(`$ restic -r ${repo} snapshots --json --tag nightly ${snapshot.short_id}`), logged.join('\n'));
});

test('on the sim target a restic fault fails the step the way restic does', async () => {
  const dir = await tempDir();
  const sim = createSimTarget(simTargetSchema.parse({ timeScale: 600 }), new Map([['restore-mediabox', 'fail']]));
  try {
    const plan = planFrom(drillYaml(`phases:\n  - name: p\n    steps:\n      - { id: restore-mediabox, kind: restic.restore, with: { repository: "s3:https://s3.sim.dr-drill.invalid/restic", host: mediabox } }\n`));
    const { outcome } = await runPlan(plan, { session: sim, env: { RESTIC_PASSWORD: 'sim-password' }, workDir: dir });
    assert.deepEqual(outcome.records.get('restore-mediabox')!.error, {
      code: 'ERESTIC',
      message: 'restic snapshots: wrong password for repository s3:https://s3.sim.dr-drill.invalid/restic',
      details: 'check password: / passwordFile: (the repository key the backups were made with)',
    });
  } finally {
    await sim.close();
  }
});

test('a PVC restore refuses a repository the cluster cannot reach, before touching the cluster', needsRestic, async () => {
  const { dir, repo } = await realRepository();
  const plan = planFrom(
    drillYaml(`phases:
  - name: restore
    steps:
      - id: restore-pvc
        kind: restic.restore
        with:
          repository: ${repo}
          password: \${env.PAPERLESS_RESTIC_PASSWORD}
          pvc: { name: paperless-data, namespace: paperless }
`),
    undefined,
    path.join(dir, 'drill.yaml'),
  );
  const env = { PATH: restic.PATH, HOME: process.env.HOME, RESTIC_CACHE_DIR: path.join(dir, 'cache'), PAPERLESS_RESTIC_PASSWORD: PASSWORD };
  const { outcome, events } = await runPlan(plan, { session: realSession(), env, workDir: dir });
  const record = outcome.records.get('restore-pvc')!;
  assert.equal(record.status, 'failed');
  assert.deepEqual([record.error!.code, record.error!.message], ['EINPUT', `the cluster cannot reach the restic repository ${repo}`]);
  assert.ok(!JSON.stringify(events).includes(PASSWORD));
});

test('an all-digit snapshot id written without quotes gets an error that says to quote it', () => {
  assert.throws(
    () => planFrom(resticDrill('/srv/restic', '/tmp/x').replace('host: paperless', 'snapshot: 01234567')),
    (error: unknown) => /snapshot: put the snapshot id in quotes: YAML reads an all-digit id/.test(String((error as { errors?: unknown[] }).errors?.map(String).join('\n') ?? error)),
  );
});
