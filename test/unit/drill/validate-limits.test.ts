// `dr-drill validate` refuses durations that cannot work (a zero or overflowing timeout, an
// absurd objective) and expressions that would pass through literally, each at file:line:column.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runCli } from '../../helpers/cli.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

async function validate(body: string): Promise<{ code: number | null; stderr: string; file: string }> {
  const file = path.join(await tempDir(), 'limits.yaml');
  await writeFile(file, `apiVersion: dr-drill.io/v1\nkind: Drill\nname: limits\nscenario: cold-start\n${body}`);
  const run = await runCli(['validate', file]);
  return { code: run.code, stderr: run.stdout + run.stderr, file };
}

test('validate refuses a zero timeout, one past the 7d maximum (timers overflow at 24.8 days), a long retry delay and absurd objectives', async () => {
  const { code, stderr, file } = await validate(`objectives:
  rto: { ready: 500d }
  rpo: { data: 0s }
milestones:
  ready: { after: [a] }
phases:
  - name: p
    steps:
      - { id: a, kind: command, timeout: 30d, with: { run: [echo] } }
      - { id: b, kind: command, timeout: 0s, retryDelay: 2h, with: { run: [echo] } }
`);
  assert.equal(code, 3);
  const lines = stderr.split('\n').filter((line) => line.startsWith(file));
  assert.deepEqual(lines, [
    `${file}:6:17 EDRILLSCHEMA objectives.rto.ready: an objective of 500d is above the maximum of 365d (field objectives.rto.ready)`,
    `${file}:7:16 EDRILLSCHEMA objectives.rpo.data: an objective must be above zero (field objectives.rpo.data)`,
    `${file}:13:42 EDRILLSCHEMA phases[0].steps[0].timeout: a step timeout of 30d is above the maximum of 7d (field phases[0].steps[0].timeout)`,
    `${file}:14:42 EDRILLSCHEMA phases[0].steps[1].timeout: a step timeout must be above zero (field phases[0].steps[1].timeout)`,
    `${file}:14:58 EDRILLSCHEMA phases[0].steps[1].retryDelay: a retry delay of 2h is above the maximum of 1h (field phases[0].steps[1].retryDelay)`,
  ]);
});

test('the largest allowed timeout (7d) and objective (365d) are accepted', async () => {
  const { code, stderr } = await validate(`objectives:
  rpo: { data: 365d }
phases:
  - name: p
    steps: [{ id: a, kind: command, timeout: 7d, retryDelay: 1h, rpo: data, with: { run: [echo] } }]
`);
  assert.equal(code, 0, stderr);
});

test('validate rejects an unclosed ${, an empty ${} and an unknown root at the string that holds them', async () => {
  const { code, stderr, file } = await validate(`variables:
  X: "\${foo.bar}"
phases:
  - name: p
    steps:
      - { id: a, kind: command, with: { run: [echo, "\${steps.a.outputs.revision"] } }
      - { id: b, kind: command, with: { run: [echo, "\${}", "\${ run.id }", "$\${literal"] } }
`);
  assert.equal(code, 3);
  const lines = stderr.split('\n').filter((line) => line.startsWith(file));
  assert.deepEqual(lines, [
    `${file}:10:53 EUNKNOWNREF unclosed expression "\${steps.a.outputs.revision": add the closing } (field phases[0].steps[0].with.run[1])`,
    `${file}:11:53 EUNKNOWNREF empty expression \${}: write \${env.X}, \${vars.X}, \${steps.<id>.outputs.<key>}, ... (field phases[0].steps[1].with.run[1])`,
    `${file}:6:6 EUNKNOWNREF unknown expression root "foo" in "\${foo.bar}": use one of env, vars, steps, run, drill, target (field variables.X)`,
  ]);
});
