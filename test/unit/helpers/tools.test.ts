/** The test tooling itself: XML checks that can fail, pinned tools from the cache, skip-or-fail without Go, the build lock. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensureTool, loadToolPins, NoGoToolchainError, toolPath, withCacheLock } from '../../../scripts/lib/test-tools.ts';
import { tempDir } from '../../helpers/drill-fixtures.ts';
import { requireTools } from '../../helpers/tools.ts';
import { assertValidAgainstXsd, assertWellFormedXml, junitXsd } from '../../helpers/xml.ts';

const JUNIT_OK = `<?xml version="1.0" encoding="UTF-8"?>
<testsuites>
  <testsuite name="cold-start.restore" tests="1" failures="0" errors="0" skipped="0" time="1.5">
    <testcase classname="cold-start.restore" name="velero-restore [velero.restore]" time="1.5"/>
  </testsuite>
</testsuites>
`;
// A testcase without its required name attribute, and one with an attribute the schema does not know.
const JUNIT_BAD = JUNIT_OK.replace(' name="velero-restore [velero.restore]"', '').replace('time="1.5"/>', 'time="1.5" file="x.ts"/>');

test('the XSD check rejects a junit.xml that violates the Jenkins JUnit schema and accepts one that follows it', async (t) => {
  const xsd = junitXsd();
  if (xsd.skip !== false) return t.skip(xsd.skip);
  const dir = await tempDir();
  await writeFile(path.join(dir, 'ok.xml'), JUNIT_OK);
  await writeFile(path.join(dir, 'bad.xml'), JUNIT_BAD);
  await assertValidAgainstXsd(path.join(dir, 'ok.xml'), xsd.file);
  await assert.rejects(assertValidAgainstXsd(path.join(dir, 'bad.xml'), xsd.file), (error: Error) => {
    assert.match(error.message, /^.*bad\.xml is not valid against .*jenkins-junit\.xsd:\n/);
    assert.match(error.message, /Element 'testcase': The attribute 'name' is required but missing/);
    assert.match(error.message, /Element 'testcase', attribute 'file': The attribute 'file' is not allowed/);
    return true;
  });
});

test('the XSD check is strict with any schema: a wrong element, a missing attribute and a bad value each fail; a schema that does not parse fails too', async () => {
  const dir = await tempDir();
  const xsd = path.join(dir, 'run.xsd');
  await writeFile(
    xsd,
    `<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">
  <xs:element name="run"><xs:complexType><xs:attribute name="id" type="xs:string" use="required"/><xs:attribute name="ms" type="xs:nonNegativeInteger"/></xs:complexType></xs:element>
</xs:schema>`,
  );
  const check = async (xml: string) => {
    const file = path.join(dir, 'doc.xml');
    await writeFile(file, xml);
    return assertValidAgainstXsd(file, xsd);
  };
  await check('<run id="r1" ms="5"/>');
  await assert.rejects(check('<walk id="r1"/>'), /No matching global declaration available for the validation root/);
  await assert.rejects(check('<run ms="5"/>'), /The attribute 'id' is required but missing/);
  await assert.rejects(check('<run id="r1" ms="-5"/>'), /'-5' is not a valid value of the atomic type 'xs:nonNegativeInteger'/);
  await writeFile(xsd, '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:bogus/></xs:schema>');
  await assert.rejects(check('<run id="r1"/>'), /failed to compile/);
});

test('the well-formedness check rejects broken XML with the parser error', async () => {
  const dir = await tempDir();
  await writeFile(path.join(dir, 'ok.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><polyline points="0,0 1,1"/></svg>');
  await writeFile(path.join(dir, 'unclosed.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><polyline></svg>');
  await writeFile(path.join(dir, 'amp.svg'), '<svg xmlns="http://www.w3.org/2000/svg"><text>R&D</text></svg>');
  await assertWellFormedXml(path.join(dir, 'ok.svg'));
  await assert.rejects(assertWellFormedXml(path.join(dir, 'unclosed.svg')), /unclosed\.svg is not well-formed XML:\n.*Opening and ending tag mismatch/);
  await assert.rejects(assertWellFormedXml(path.join(dir, 'amp.svg')), /amp\.svg is not well-formed XML:\n.*EntityRef/);
});

test('a missing JUnit schema is a skip naming DR_DRILL_JUNIT_XSD, and a failure under DR_DRILL_REQUIRE_TOOLS', () => {
  const env = { DR_DRILL_JUNIT_XSD: '/nonexistent/jenkins-junit.xsd' };
  assert.deepEqual(junitXsd(env, false), {
    file: undefined,
    skip: 'the JUnit XSD is not at /nonexistent/jenkins-junit.xsd: set DR_DRILL_JUNIT_XSD=/path/to/jenkins-junit.xsd (shared/junit/ of the project)',
  });
  assert.throws(() => junitXsd(env, true), /^Error: ETESTINFRA the JUnit XSD is not at \/nonexistent\/jenkins-junit\.xsd: .*; DR_DRILL_REQUIRE_TOOLS forbids skipping the check$/);
});

test('tools are cached per pinned version: a new pin is a new directory', () => {
  const pins = loadToolPins();
  const env = { DR_DRILL_CACHE: '/cache' };
  assert.equal(toolPath('restic', env), `/cache/bin/restic-${pins.tools['restic']!.version}/restic`);
  assert.equal(toolPath('age-keygen', env), `/cache/bin/age-${pins.tools['age']!.version}/age-keygen`);
  assert.throws(() => toolPath('no-such-tool', env), /ETESTINFRA no tool provides "no-such-tool" in the "tools" of .*versions\.json; known: (\S+, )*restic, age, age-keygen/);
});

test('without Go a missing tool is a skip naming the command that builds it; under DR_DRILL_REQUIRE_TOOLS it fails', async () => {
  const env = { DR_DRILL_CACHE: await tempDir(), GO: '/nonexistent/go', PATH: '/nonexistent' };
  await assert.rejects(ensureTool('restic', env), (error: unknown) => error instanceof NoGoToolchainError && /no Go toolchain to build it: install Go \S+\+, then run npm run build:test-tools$/.test(error.message));
  const skipped = await requireTools(['restic'], env, false);
  assert.equal(skipped.paths['restic'], undefined);
  assert.match(String(skipped.skip), /^ETESTINFRA restic v\S+ is not built in .* npm run build:test-tools$/);
  await assert.rejects(requireTools(['restic'], env, true), NoGoToolchainError);

  // A Go older than the wrapper module's go directive counts as none: the same skip, naming the versions.
  const oldGo = path.join(env.DR_DRILL_CACHE, 'go');
  writeFileSync(oldGo, '#!/bin/sh\necho go1.21.0\n', { mode: 0o755 });
  await assert.rejects(ensureTool('restic', { ...env, GO: oldGo }), (error: unknown) => error instanceof NoGoToolchainError && /^ETESTINFRA restic v\S+ needs Go 1\.\d+(\.\d+)?, this machine has Go 1\.21\.0 \(.*\/go\): install Go .*npm run build:test-tools$/.test(error.message));
});

test('the pinned tools run and report the pinned versions', async (t) => {
  const tools = await requireTools(['restic', 'age', 'age-keygen']);
  if (tools.skip !== false) return t.skip(tools.skip);
  const pins = loadToolPins();
  assert.match(execFileSync(tools.paths['restic']!, ['version'], { encoding: 'utf8' }), new RegExp(`^restic ${pins.tools['restic']!.version.slice(1)} compiled with go`));
  assert.equal(execFileSync(tools.paths['age']!, ['--version'], { encoding: 'utf8' }).trim(), pins.tools['age']!.version);
  assert.equal(execFileSync(tools.paths['age-keygen']!, ['--version'], { encoding: 'utf8' }).trim(), pins.tools['age']!.version);
  assert.equal(tools.PATH.split(path.delimiter).slice(0, 2).join(' '), [path.dirname(tools.paths['restic']!), path.dirname(tools.paths['age']!)].join(' '));
});

test('the build lock lets one holder in at a time and takes over a lock whose process is gone', async () => {
  const dir = await tempDir();
  const lock = path.join(dir, 'bin', '.tools-build.lock');
  const order: string[] = [];
  const holder = (name: string) =>
    withCacheLock(
      lock,
      async () => {
        order.push(`${name} in`);
        await sleep(50);
        order.push(`${name} out`);
      },
      () => undefined,
    );
  await Promise.all([holder('a'), holder('b')]);
  assert.deepEqual(order, ['a in', 'a out', 'b in', 'b out']);
  assert.equal(existsSync(lock), false, 'released');

  // A lock left by a process that died (its pid no longer runs) does not block.
  const dead = spawn(process.execPath, ['-e', '0']);
  await new Promise((resolve) => dead.on('exit', resolve));
  mkdirSync(lock, { recursive: true });
  writeFileSync(path.join(lock, 'pid'), String(dead.pid));
  const messages: string[] = [];
  assert.equal(await withCacheLock(lock, async () => 'ran', (m) => messages.push(m)), 'ran');
  assert.deepEqual(messages, [`taking over the lock ${lock} of process ${dead.pid}, which is gone`]);
});
