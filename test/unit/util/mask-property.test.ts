/**
 * Property-style leak test: random secrets (random lengths and characters: quotes, spaces, %, +,
 * /, backslashes, unicode) planted in every encoding through every printing step kind on the sim
 * target (command output and command lines, failing commands, script logs and errors, http.check
 * URLs and headers, data.check), run through the real CLI entry; then every artifact (each file
 * in the out directory, stdout, stderr) is scanned for every form. DR_DRILL_LEAK_REPORT=1 prints
 * the hits instead of failing, to measure a masker.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { main } from '../../../src/cli/main.ts';
import { renderCommand } from '../../../src/contract/shell.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';

const ALPHABET = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'\" %+/\\=&:;,.!?$#@*()[]{}<>-_~éü中😀"];

function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value ^= value + Math.imul(value ^ (value >>> 7), 61 | value);
    return ((value ^ (value >>> 14)) >>> 0) / 4294967296;
  };
}

function secretOf(next: () => number): string {
  const length = 8 + Math.floor(next() * 33);
  let value = '';
  while (value.length < length) value += ALPHABET[Math.floor(next() * ALPHABET.length)];
  // Values are registered trimmed; a secret that starts or ends with a space is the same secret.
  return `k${value}z`;
}

const b64 = (text: string) => Buffer.from(text).toString('base64');
const ENCODINGS: Record<string, (secret: string) => string> = {
  raw: (s) => s,
  json: (s) => JSON.stringify(s),
  'json-ascii': (s) => JSON.stringify(s).replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`),
  'yaml-single': (s) => `'${s.replace(/'/g, "''")}'`,
  'shell-single': (s) => `'${s.replace(/'/g, `'\\''`)}'`,
  'shell-double': (s) => `"${s.replace(/["\\$`]/g, '\\$&')}"`,
  'ansi-c': (s) => `$'${s.replace(/[\\']/g, '\\$&')}'`,
  percent: (s) => encodeURIComponent(s),
  'percent-lower': (s) => encodeURIComponent(s).replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase()),
  'percent-partial': (s) => s.replace(/[%+/ '"&]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
  'basic-auth-0': (s) => `Basic ${b64(`abc:${s}`)}`,
  'basic-auth-1': (s) => `Basic ${b64(`ab:${s}`)}`,
  'basic-auth-2': (s) => `Basic ${b64(`a:${s}`)}`,
  'base64url-nopad': (s) => b64(`x${s}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  hex: (s) => Buffer.from(s).toString('hex'),
  wrapped: (s) => `${s.slice(0, 5)}\n  ${s.slice(5)}`,
};

interface Planted {
  secret: string;
  encoding: string;
  form: string;
}

/** What a leak looks like in an artifact: the form, or the form as JSON, XML or a shell command line would write it. */
function scanForms(form: string): string[] {
  const json = JSON.stringify(form).slice(1, -1);
  const xml = form.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
  return [...new Set([form, json, JSON.stringify(json).slice(1, -1), xml, renderCommand(form, []), ...form.split('\n').filter((line) => line.trim().length >= 8)])];
}

function leaks(text: string, planted: Planted[]): string[] {
  const flat = text.replace(/\s+/g, '');
  const hits: string[] = [];
  for (const item of planted) {
    for (const candidate of [item.secret, ...scanForms(item.form)]) {
      if (text.includes(candidate) || (candidate.length >= 8 && flat.includes(candidate.replace(/\s+/g, '')))) {
        hits.push(`${item.encoding}: ${JSON.stringify(candidate).slice(0, 80)}`);
        break;
      }
    }
  }
  return hits;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name));
}

async function plantAndScan(seed: number): Promise<{ hits: string[]; planted: number; artifacts: number }> {
  const next = random(seed);
  const dir = await tempDir();
  await mkdir(path.join(dir, 'scripts'));
  const env: Record<string, string> = { NO_COLOR: '1' };
  const planted: Planted[] = [];
  const steps: string[] = [];
  // Steps that fail go to finally: each of them runs whatever the others did.
  const failing: string[] = [];
  const secrets = Array.from({ length: 3 }, () => secretOf(next));
  secrets.forEach((secret, index) => {
    env[`PROP_TOKEN_${index}`] = secret;
    for (const [encoding, encode] of Object.entries(ENCODINGS)) {
      const form = encode(secret);
      const name = `FORM_${index}_${encoding.replace(/-/g, '_').toUpperCase()}`;
      env[name] = form;
      planted.push({ secret, encoding, form });
      // Printed as output, and re-quoted in the logged command line.
      steps.push(`      - { id: echo-${index}-${encoding}, kind: command, with: { run: [echo, "out=\${env.${name}}"] } }`);
    }
    const percent = `FORM_${index}_PERCENT`;
    const basic = `FORM_${index}_BASIC_AUTH_1`;
    steps.push(`      - { id: data-${index}, kind: data.check, with: { command: [echo, "\${env.FORM_${index}_JSON}", "\${env.FORM_${index}_HEX}"] } }`);
    failing.push(
      // A failing command: its stderr tail and command line go into the error details.
      `      - { id: fail-${index}, kind: command, with: { run: [terraform, "\${env.FORM_${index}_SHELL_DOUBLE}", "\${env.FORM_${index}_WRAPPED}"] } }`,
      `      - { id: script-${index}, kind: script, with: { file: scripts/leak.ts, args: { forms: ${JSON.stringify(Object.keys(ENCODINGS).map((encoding) => `\${env.FORM_${index}_${encoding.replace(/-/g, '_').toUpperCase()}}`))} } } }`,
      `      - { id: http-${index}, kind: http.check, timeout: 30s, with: { url: "https://user:\${env.${percent}}@nowhere.example/?token=\${env.${percent}}", headers: { Authorization: "\${env.${basic}}" }, interval: 5s } }`,
    );
  });
  await writeFile(
    path.join(dir, 'scripts', 'leak.ts'),
    [
      'export default async function (context) {',
      '  for (const form of context.args.forms) {',
      '    context.log.info(`script log ${form}`);',
      '    context.log.warn(`script warning ${form}`);',
      '    await context.$`echo ${form}`;',
      '  }',
      '  throw new Error(`script failed with ${context.args.forms.join(" | ")}`);',
      '}',
      '',
    ].join('\n'),
  );
  const drill = path.join(dir, 'drill.yaml');
  await writeFile(drill, `apiVersion: dr-drill.io/v1\nkind: Drill\nname: leaks\nscenario: cold-start\ntarget: sim\nphases:\n  - name: plant\n    steps:\n${steps.join('\n')}\nfinally:\n${failing.map((step) => step.slice(4)).join('\n')}\n`);
  const out = path.join(dir, 'out');
  const stdout: string[] = [];
  const stderr: string[] = [];
  const code = await main(['run', drill, '--out', out, '--verbose'], { env, stdout: (text) => stdout.push(text), stderr: (text) => stderr.push(text) });
  assert.equal(code, 1, `the drill ran, its failing steps failed: ${stderr.join('\n')}`);
  const artifacts: [string, string][] = [
    ['stdout', stdout.join('\n')],
    ['stderr', stderr.join('\n')],
  ];
  for (const file of await filesUnder(out)) artifacts.push([path.relative(out, file), await readFile(file, 'utf8')]);
  assert.ok(artifacts.some(([name]) => name === 'result.json') && artifacts.some(([name]) => name.startsWith('logs/')), 'reports and step logs were written');
  assert.ok(stdout.join('\n').includes('out=***'), 'the console shows the masked output');
  const hits = artifacts.flatMap(([name, text]) => leaks(text, planted).map((hit) => `${name}: ${hit}`));
  return { hits, planted: planted.length, artifacts: artifacts.length };
}

for (const seed of [1, 2, 3, 4, 5, 6]) {
  test(`no planted secret survives in any artifact (seed ${seed})`, async () => {
    const { hits, planted, artifacts } = await plantAndScan(seed);
    if (process.env.DR_DRILL_LEAK_REPORT === '1') {
      console.log(`seed ${seed}: ${hits.length} leak hits (${planted} planted forms x ${artifacts} artifacts)\n${hits.slice(0, 40).join('\n')}`);
      return;
    }
    assert.deepEqual(hits, [], `${hits.length} leaks`);
  });
}
