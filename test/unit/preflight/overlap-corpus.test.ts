// A corpus of drills that overlap production, one class of overlap after another, each refused
// before T0 with exit code 3 both through `dr-drill run` (the CLI users run) and through runDrill;
// and drills that overlap nothing, which run. The production block is the same for all of them and
// deliberately leaves default/prod out of terraformWorkspaces: well-known names are refused anyway.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runDrill } from '../../../src/run-drill.ts';
import { formatError } from '../../../src/util/errors.ts';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { OVERLAPS, ISOLATED, type Case } from './overlap-cases.ts';

const PRODUCTION = `production:
  kubeContexts: [admin@homelab]
  terraformWorkspaces: [prod-eu]
  terraformStateKeys: [prod/terraform.tfstate]
  proxmoxVmIds: ["100-199"]
  controlPlaneVips: [192.168.10.10]
  loadBalancerRanges: [192.168.10.200-192.168.10.250]
  gitBranches: [main]
  certIssuers: [letsencrypt-prod]
`;

const ISOLATED_TFVARS = `vm_ids = [9101, 9102, 9103]
cluster_vip = "10.99.0.10"
lb_pool = "10.99.0.200-10.99.0.220"
flux_branch = "drill/cold-start"
`;
const ISOLATED_BACKEND = 'bucket = "tfstate"\nkey    = "drill/terraform.tfstate"\nregion = "minio"\n';

async function writeDrill(kase: Case): Promise<{ dir: string; file: string }> {
  const dir = await tempDir('dr-drill-overlap-');
  await mkdir(path.join(dir, 'tf'), { recursive: true });
  const files: Record<string, string> = { 'tf/drill.tfvars': ISOLATED_TFVARS, 'tf/backend.config': ISOLATED_BACKEND, ...kase.files };
  for (const [name, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), text.replaceAll('$DIR', dir));
  }
  const terraform = (id: string, kind: string) =>
    `      - id: ${id}\n        kind: ${kind}\n        timeout: 1h\n        with: { dir: tf, workspace: ${kase.workspace ?? '"drill-${run.id}"'}, backendConfig: ${kase.backendConfig ?? '[backend.config]'}, varFiles: [${kase.varFile ?? 'drill.tfvars'}]${kase.applyWith ? `, ${kase.applyWith}` : ''} }\n`;
  const withTerraform = kase.terraform !== false;
  const steps = `${withTerraform ? terraform('terraform-apply', 'terraform.apply') : ''}${kase.steps ?? ''}`;
  const finallySteps = `${withTerraform ? terraform('terraform-destroy', 'terraform.destroy').replace(/^ {4}/gm, '') : ''}${kase.finally ?? ''}`;
  const text = `apiVersion: dr-drill.io/v1
kind: Drill
name: overlap
scenario: cold-start
target: ${kase.target ?? 'sim'}
${kase.header ?? ''}${PRODUCTION}phases:
  - name: p
    steps:
${steps || '      - { id: noop, kind: k8s.wait, timeout: 1s, with: { apiVersion: v1, kind: Namespace, name: default, jsonPath: .status.phase, equals: Active } }\n'}${finallySteps ? `finally:\n${finallySteps}` : ''}`;
  const file = path.join(dir, 'drill.yaml');
  await writeFile(file, text.replaceAll('$DIR', dir));
  return { dir, file };
}

const envOf = (kase: Case, dir: string): Record<string, string> => Object.fromEntries(Object.entries(kase.env ?? {}).map(([name, value]) => [name, value.replaceAll('$DIR', dir)]));

/** Run jobs with at most `limit` at a time (CLI runs are child processes on a shared machine). */
async function pool<T, R>(items: T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await job(items[index]!);
    }
  }));
  return results;
}

test(`every class of production overlap is refused before T0 through runDrill (${OVERLAPS.length} drills)`, async (t) => {
  const refused: string[] = [];
  for (const kase of OVERLAPS) {
    const { dir, file } = await writeDrill(kase);
    const out = path.join(dir, 'out');
    const error = await runDrill({ file, outDir: out, env: { PATH: process.env.PATH ?? '', ...envOf(kase, dir) } }).then(
      (outcome) => assert.fail(`${kase.name}: ran (status ${outcome.result.status}) instead of being refused`),
      (caught: unknown) => caught,
    );
    const text = formatError(error);
    assert.match(text, kase.expect, `${kase.name}: refused for another reason:\n${text}`);
    assert.match(text, new RegExp(`\\b${kase.code ?? 'EPRODTARGET'}\\b`), `${kase.name}: wrong code:\n${text}`);
    // Before T0 nothing is written: a result exists from T0 on, whatever happens after.
    assert.equal(existsSync(path.join(out, 'result.json')), false, `${kase.name}: a result was written, so the run got past T0`);
    refused.push(kase.name);
  }
  t.diagnostic(`runDrill: refused before T0 ${refused.length} / ${OVERLAPS.length}`);
  assert.equal(refused.length, OVERLAPS.length);
});

// The CLI adds the exit code to runDrill's refusal: one drill of each class goes through it (a child
// process each); DR_DRILL_CLI_CORPUS=all sends the whole corpus.
const CLI_CASES = process.env.DR_DRILL_CLI_CORPUS === 'all' ? OVERLAPS : OVERLAPS.filter((kase, index) => OVERLAPS.findIndex((other) => other.klass === kase.klass) === index);

test(`every class of production overlap is refused before T0 by dr-drill run with exit code 3 (${CLI_CASES.length} drills)`, async (t) => {
  const runs = await pool(CLI_CASES, 3, async (kase) => {
    const { dir, file } = await writeDrill(kase);
    const out = path.join(dir, 'out');
    const run = await runCli(['run', file, '--out', out], { env: envOf(kase, dir), cwd: dir });
    return { kase, run, wroteResult: existsSync(path.join(out, 'result.json')) };
  });
  for (const { kase, run, wroteResult } of runs) {
    assert.equal(run.code, 3, `${kase.name}: exit ${run.code}\n${run.stdout}${run.stderr}`);
    assert.match(run.stderr, kase.expect, `${kase.name}: refused for another reason:\n${run.stderr}`);
    assert.equal(wroteResult, false, `${kase.name}: a result was written, so the run got past T0`);
  }
  const refused = runs.filter(({ run, wroteResult }) => run.code === 3 && !wroteResult).length;
  t.diagnostic(`dr-drill run: refused before T0 with exit 3 ${refused} / ${CLI_CASES.length}`);
});

test(`drills that overlap nothing pass preflight and run (${ISOLATED.length} drills)`, async (t) => {
  for (const kase of ISOLATED) {
    const { dir, file } = await writeDrill(kase);
    const { result } = await runDrill({ file, outDir: path.join(dir, 'out'), env: { PATH: process.env.PATH ?? '', ...envOf(kase, dir) } }).catch((error: unknown) => assert.fail(`${kase.name}: refused:\n${formatError(error)}`));
    assert.equal(result.run.preflight, 'passed');
    if (kase.target === undefined) assert.equal(result.status, 'passed', `${kase.name}: ${result.reason}`);
  }
  t.diagnostic(`accepted ${ISOLATED.length} / ${ISOLATED.length}`);
});

test('the classes counted: every class of issue 12 has drills in the corpus', () => {
  const classes = new Set(OVERLAPS.map((kase) => kase.klass));
  for (const klass of ['branch as a full ref', 'VM ID under any key', 'nested value', 'IP in a range or CIDR', 'state key as another path', 'workspace name', 'kube context', 'writable backup location', 'unparseable HCL', 'preflight.skip in the drill']) {
    assert.ok(classes.has(klass), `no drill of class "${klass}"`);
  }
});
