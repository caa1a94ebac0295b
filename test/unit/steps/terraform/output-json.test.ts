import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseOutputJson } from '../../../../src/steps/terraform/output-json.ts';

// What tofu 1.12 prints on stdout for `output -json` when TF_CLI_CONFIG_FILE names a missing file.
const WARNING_BOX = `╷
│ Warning: Unable to open CLI configuration file
│
│ The CLI configuration file at "/tmp/missing.tfrc" does not exist.
╵

`;
const OUTPUTS = `{
  "cluster_name": {
    "sensitive": false,
    "type": "string",
    "value": "dr-drill-1a2b3c4d"
  },
  "kubeconfig": {
    "sensitive": true,
    "type": "string",
    "value": "apiVersion: v1\\nkind: Config\\n"
  }
}
`;

test('output -json is read past a warning box tofu prints on stdout before it', () => {
  const parsed = parseOutputJson(WARNING_BOX + OUTPUTS);
  assert.ok(parsed.ok);
  assert.deepEqual(Object.keys(parsed.outputs), ['cluster_name', 'kubeconfig']);
  assert.equal(parsed.outputs['cluster_name']!.value, 'dr-drill-1a2b3c4d');
  assert.match(parsed.preamble, /^╷\n│ Warning: Unable to open CLI configuration file/);
  assert.doesNotMatch(parsed.preamble, /kubeconfig/);
});

test('plain output -json, no outputs, and a brace inside the diagnostics', () => {
  const plain = parseOutputJson(OUTPUTS);
  assert.ok(plain.ok);
  assert.equal(plain.preamble, '');
  const empty = parseOutputJson('{}\n');
  assert.ok(empty.ok);
  assert.deepEqual(empty.outputs, {});
  const brace = parseOutputJson(`│ Warning: value {not json\n${OUTPUTS}`);
  assert.ok(brace.ok);
  assert.equal(brace.outputs['cluster_name']!.value, 'dr-drill-1a2b3c4d');
});

test('stdout with no JSON object is not outputs', () => {
  assert.deepEqual(parseOutputJson(WARNING_BOX), { ok: false });
  assert.deepEqual(parseOutputJson('["a"]\n'), { ok: false });
  assert.deepEqual(parseOutputJson(''), { ok: false });
});
