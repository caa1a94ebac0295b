import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { parseDrill } from '../../../src/drill/load.ts';
import { drillJsonSchema } from '../../../src/drill/schema.ts';
import { stepRegistry } from '../../../src/steps/registry.ts';
import { DrillErrors, formatError } from '../../../src/util/errors.ts';
import { drillYaml } from '../../helpers/drill-fixtures.ts';

function errorsOf(yaml: string): string[] {
  try {
    parseDrill(yaml, 'drills/bad.yaml');
  } catch (error) {
    assert.ok(error instanceof DrillErrors, `expected DrillErrors, got ${String(error)}`);
    return error.errors.map((item) => formatError(item));
  }
  assert.fail('expected the drill to be rejected');
}

const step = (extra = '') => `phases:\n  - name: one\n    steps:\n      - id: a\n        kind: command\n        with: { run: [echo] }\n${extra}`;

test('YAML syntax errors name file, line and column', () => {
  const [first] = errorsOf('apiVersion: dr-drill.io/v1\nkind: Drill\nphases: [\n  - oops: {\n');
  assert.match(first!, /^drills\/bad\.yaml:\d+:\d+ EDRILLYAML invalid YAML: /);
});

test('a wrong value names the field and its position, with the fix', () => {
  const [error] = errorsOf(drillYaml(`${step('        timeout: 4 hours\n')}`));
  assert.equal(error, 'drills/bad.yaml:11:18 EDRILLSCHEMA phases[0].steps[0].timeout: write a duration like 90s, 30m, 4h or 1h30m (field phases[0].steps[0].timeout)\n  see drills/schema.json for what this field accepts');
});

test('an unknown field points at the key itself', () => {
  const [error] = errorsOf(drillYaml(`${step('        timout: 4h\n')}`));
  assert.equal(error, 'drills/bad.yaml:11:9 EDRILLSCHEMA unknown field "timout" (field phases[0].steps[0].timout)\n  remove it or check its spelling; the fields allowed here are listed in drills/schema.json');
});

test('a missing required field is named; an enum lists its choices', () => {
  const errors = errorsOf('apiVersion: dr-drill.io/v1\nkind: Drill\nname: x\nscenario: total-loss\n');
  assert.ok(errors.some((error) => error.startsWith('drills/bad.yaml:4:11 EDRILLSCHEMA scenario: must be one of "cold-start", "namespace-restore"')), errors.join('\n'));
  assert.ok(errors.some((error) => error.includes('missing required field "phases"')), errors.join('\n'));
});

test('drills/schema.json is generated from the schema and up to date (run: dr-drill schema --out drills/schema.json)', async () => {
  const committed = JSON.parse(await readFile(new URL('../../../drills/schema.json', import.meta.url), 'utf8'));
  assert.deepEqual(committed, drillJsonSchema([...stepRegistry.values()]));
});

test('editors using drills/schema.json accept the shipped drills and flag a wrong step input', async () => {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const { parse } = await import('yaml');
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const validate = ajv.compile(JSON.parse(await readFile(new URL('../../../drills/schema.json', import.meta.url), 'utf8')));
  const drill = parse(await readFile(new URL('../../../drills/cold-start.yaml', import.meta.url), 'utf8'));
  assert.equal(validate(drill), true, JSON.stringify(validate.errors));
  drill.phases[1].steps[0].with.workspaces = 'typo';
  assert.equal(validate(drill), false);
  assert.ok(validate.errors?.some((error) => error.instancePath === '/phases/1/steps/0/with' && error.keyword === 'additionalProperties'), JSON.stringify(validate.errors));
});

test('editors using drills/schema.json flag durations that validate refuses (8 hours, 45 min) and accept the ones it takes', async () => {
  const { Ajv2020 } = await import('ajv/dist/2020.js');
  const { parse } = await import('yaml');
  const validate = new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(await readFile(new URL('../../../drills/schema.json', import.meta.url), 'utf8')));
  const drill = parse(await readFile(new URL('../../../drills/cold-start.yaml', import.meta.url), 'utf8'));
  drill.objectives.rto['critical-apps'] = '8 hours';
  drill.phases[1].steps[0].timeout = '45 min';
  assert.equal(validate(drill), false);
  const flagged = (validate.errors ?? []).filter((error) => error.keyword === 'pattern').map((error) => error.instancePath);
  assert.deepEqual(flagged.sort(), ['/objectives/rto/critical-apps', '/phases/1/steps/0/timeout']);
  drill.objectives.rto['critical-apps'] = '7h30m';
  drill.phases[1].steps[0].timeout = '45m';
  assert.equal(validate(drill), true, JSON.stringify(validate.errors));
});
