/**
 * What three JUnit consumers make of a junit.xml, reproduced from their source (read for this
 * test; none of their code is committed) on top of the very XML parsers they use:
 *
 * - dorny/test-reporter v3 (src/parsers/java-junit/java-junit-parser.ts, java-stack-trace-element-parser.ts,
 *   src/report/get-annotations.ts, get-report.ts; xml2js 0.6.2 as in its package.json);
 * - mikepenz/action-junit-report v5 (src/testParser.ts: parseFile, parseSuite, parseTestCases,
 *   createTestCaseAnnotation, resolveFileAndLine; xml-js 1.6.11 compact mode as in its package.json);
 * - GitLab (lib/gitlab/ci/parsers/test/junit.rb over Gitlab::XmlConverter, i.e. Nokogiri's
 *   ActiveSupport `to_hash` and ActiveSupport::XMLConverter's typecasting; Ruby, so reproduced
 *   rule by rule: a failure with attributes and no body becomes a Hash, printed as Ruby prints it).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseStringPromise } from 'xml2js';
import { xml2js, xml2json, type Element } from 'xml-js';

// ---------------------------------------------------------------- dorny/test-reporter

export interface DornyCase { name: string; result: 'success' | 'skipped' | 'failed'; timeMs: number; error?: { path?: string; line?: number; message?: string; details?: string } }
export interface DornySuite { name: string; timeMs: number; groups: { name: string; tests: DornyCase[] }[] }
export interface DornyReport { timeMs: number; suites: DornySuite[]; annotations: { path: string; start_line: number; message: string }[]; lines: string[] }

type XmlJsNode = { $?: Record<string, string>; _?: string; [key: string]: unknown };

export async function dorny(junitPath: string, content: string, trackedFiles: string[]): Promise<DornyReport> {
  const tracked: Record<string, string[]> = {};
  for (const file of trackedFiles) (tracked[path.basename(file)] ??= []).push(file);
  const root = (await parseStringPromise(content)) as { testsuites: { $?: Record<string, string>; testsuite?: XmlJsNode[] } };
  const suites: DornySuite[] = (root.testsuites.testsuite ?? []).map((ts) => {
    const suiteName = ts.$!.name!.trim();
    const groups: { name: string; tests: DornyCase[] }[] = [];
    for (const tc of (ts.testcase as XmlJsNode[] | undefined) ?? []) {
      const className = tc.$!.classname === ts.$!.name ? '' : tc.$!.classname!;
      let group = groups.find((g) => g.name === className);
      if (!group) groups.push((group = { name: className, tests: [] }));
      const failures = (tc.failure ?? tc.error) as (XmlJsNode | string)[] | undefined;
      const result = tc.failure || tc.error ? 'failed' : tc.skipped ? 'skipped' : 'success';
      let error: DornyCase['error'];
      if (failures) {
        const failure = failures[0]!;
        const details = typeof failure === 'object' ? failure._ : failure;
        let source: { path: string; line: number } | undefined;
        for (const line of (details ?? '').split(/\r?\n/)) {
          const match = line.match(/^\s*at (\S+\/\S*\/)?(.*)\((.*):(\d+)\)$/);
          if (!match) continue;
          const file = dornyFilePath(tracked, match[2]!, match[3]!);
          if (file) {
            source = { path: file, line: parseInt(match[4]!) };
            break;
          }
        }
        let message: string | undefined;
        if (typeof failure === 'object') {
          message = failure.$?.message;
          if (failure.$?.type) message = `${failure.$.type}: ${message}`;
        }
        error = { ...(source ? { path: source.path, line: source.line } : {}), ...(message === undefined ? {} : { message }), ...(details === undefined ? {} : { details }) };
      }
      group.tests.push({ name: tc.$!.name!.trim(), result, timeMs: parseFloat(tc.$!.time!) * 1000, ...(error ? { error } : {}) });
    }
    return { name: suiteName, timeMs: parseFloat(ts.$!.time!) * 1000, groups };
  });
  const seconds = parseFloat(root.testsuites.$?.time ?? '');
  const timeMs = Number.isNaN(seconds) ? suites.reduce((sum, s) => sum + s.timeMs, 0) : seconds * 1000;
  // get-report.ts applySort: suites by name before the report is written.
  suites.sort((a, b) => a.name.localeCompare(b.name, 'en-US'));
  const annotations = suites.flatMap((suite) =>
    suite.groups.flatMap((group) => group.tests.filter((test) => test.error).map((test) => ({ path: test.error!.path ?? junitPath, start_line: test.error!.line ?? 0, message: test.error!.message ?? test.error!.details?.split('\n').find((l) => l.trim()) ?? 'Test failed' }))),
  );
  const icon = { success: '✅', skipped: '⚪', failed: '❌' } as const;
  const lines = suites.flatMap((suite) => [
    `### ${suite.name}`,
    ...suite.groups.flatMap((group) => [
      ...(group.name ? [group.name] : []),
      ...group.tests.flatMap((test) => [`${group.name ? '  ' : ''}${icon[test.result]} ${test.name}`, ...((test.error?.message ?? test.error?.details?.split('\n').find((l) => l.trim()))?.split(/\r?\n/).map((l) => `\t${l}`) ?? [])]),
    ]),
  ]);
  return { timeMs, suites, annotations, lines };
}

function dornyFilePath(tracked: Record<string, string[]>, tracePath: string, fileName: string): string | undefined {
  const files = tracked[fileName];
  if (!files) return undefined;
  const parts = tracePath.split(/\./g);
  const index = parts.findIndex((part) => part[0]! <= 'Z');
  if (index !== -1) parts.splice(index, parts.length - index);
  if (parts.length === 0) return undefined;
  for (const file of files) {
    const dirs = path.dirname(file).split(/\//g);
    if (parts.length > dirs.length) continue;
    if (dirs.length > parts.length) dirs.splice(0, dirs.length - parts.length);
    if (parts.every((part, i) => part === dirs[i])) return file;
  }
  return undefined;
}

// ---------------------------------------------------------------- mikepenz/action-junit-report

export interface MikepenzAnnotation { path: string; start_line: number; status: 'success' | 'failure' | 'skipped'; title: string; message: string; raw_details: string; time: number }
export interface MikepenzResult { name: string; totalCount: number; skippedCount: number; failedCount: number; passedCount: number; time: number; annotations: MikepenzAnnotation[]; testResults: MikepenzResult[] }

type Compact = { _attributes?: Record<string, string>; _text?: string; _cdata?: string; [key: string]: unknown };

/** parseFile with the action's defaults plus `include_passed: true`, as .github/workflows/drill.yml sets it; `workspace` is GITHUB_WORKSPACE. */
export function mikepenz(content: string, workspace: string): MikepenzResult {
  const report = JSON.parse(xml2json(content, { compact: true })) as Compact;
  return mikepenzSuite((report.testsuites ?? report.testsuite) as Compact, workspace)!;
}

function mikepenzSuite(suite: Compact | undefined, workspace: string): MikepenzResult | undefined {
  if (!suite) return undefined;
  const name = suite._attributes?.name ?? '';
  const result: MikepenzResult = { name, totalCount: 0, skippedCount: 0, failedCount: 0, passedCount: 0, time: 0, annotations: [], testResults: [] };
  const asArray = <T>(value: unknown): T[] => (value ? (Array.isArray(value) ? value : [value]) : []) as T[];
  for (const testcase of asArray<Compact>(suite.testcase)) {
    const attributes = testcase._attributes!;
    result.totalCount++;
    const time = attributes.time === undefined ? 0 : parseFloat(attributes.time);
    result.time += time;
    const issues = [...asArray<Compact>(testcase.failure), ...asArray<Compact>(testcase.error)];
    const skip = Boolean(testcase.skipped) || attributes.status === 'disabled' || attributes.status === 'ignored';
    const failed = issues.length > 0 && !skip;
    const success = issues.length === 0;
    if (skip) result.skippedCount++;
    if (failed) result.failedCount++;
    for (const issue of issues.length > 0 ? issues : [null]) {
      const stackTrace = String((issue && issue._cdata) || (issue && issue._text) || '').trim();
      const message = ((issue && issue._attributes?.message) || stackTrace.split('\n').slice(0, 2).join('\n') || attributes.name!).trim();
      const classname = attributes.classname ?? attributes.name!;
      const position = mikepenzFileAndLine(attributes.file || issue?._attributes?.file || suite._attributes?.file || null, attributes.line || issue?._attributes?.line || suite._attributes?.line || null, classname, stackTrace);
      let resolved = position.fileName;
      if (failed && !existsSync(path.join(workspace, resolved))) resolved = `(unresolved) ${resolved}`;
      const title = position.fileName !== attributes.name ? `${position.fileName}.${attributes.name}` : attributes.name!;
      result.annotations.push({ path: resolved, start_line: position.line, status: skip ? 'skipped' : success ? 'success' : 'failure', title, message, raw_details: stackTrace, time });
    }
  }
  result.passedCount = result.totalCount - result.failedCount - result.skippedCount;
  const children = suite.testsuite ? asArray<Compact>(suite.testsuite) : asArray<Compact>(suite.testsuites);
  for (const child of children) {
    const childResult = mikepenzSuite(child, workspace);
    if (!childResult) continue;
    result.testResults.push(childResult);
    for (const key of ['totalCount', 'skippedCount', 'failedCount', 'passedCount', 'time'] as const) result[key] += childResult[key];
  }
  return result;
}

function mikepenzFileAndLine(file: string | null, line: string | null, className: string, output: string): { fileName: string; line: number } {
  const fileName = file ? file : className.split('.').slice(-1)[0]!;
  const lineNumber = line ? parseInt(line) || null : null;
  if (fileName && lineNumber) return { fileName, line: lineNumber };
  const escaped = fileName.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace('::', '/');
  const matches = output.match(new RegExp(` [^ ]*${escaped}.*?:\\d+`, 'g'));
  if (!matches) return { fileName, line: lineNumber || 1 };
  return { fileName, line: parseInt(matches.slice(-1)[0]!.split(':').pop() || '0') || -1 };
}

// ---------------------------------------------------------------- GitLab

export interface GitlabCase { suiteName: string; classname: string; name: string; file?: string; executionTime: number; status: 'success' | 'failed' | 'error' | 'skipped'; systemOutput?: string; attachment?: string }
export interface GitlabReport { totalTime: number; cases: GitlabCase[] }

type RubyValue = string | null | RubyHash | RubyValue[];
interface RubyHash { [key: string]: RubyValue }

export function gitlab(content: string): GitlabReport {
  const document = xml2js(content, { compact: false, captureSpacesBetweenElements: true }) as Element;
  const rootElement = (document.elements ?? []).find((e) => e.type === 'element')!;
  const raw: RubyHash = {};
  nokogiriToHash(rootElement, raw);
  const root = xmlConverter(normalizeKeys(raw)) as RubyHash;
  const cases: GitlabCase[] = [];
  allCases(root, undefined, cases);
  const testsuites = root.testsuites;
  const rootTime = testsuites && !Array.isArray(testsuites) && typeof testsuites === 'object' ? (testsuites as RubyHash).time : undefined;
  const totalTime = typeof rootTime === 'string' ? parseFloat(rootTime) : cases.reduce((sum, c) => sum + c.executionTime, 0);
  return { totalTime, cases };
}

/** ActiveSupport's XmlMini_Nokogiri Conversions::Node#to_hash. */
function nokogiriToHash(node: Element, hash: RubyHash): void {
  const own: RubyHash = {};
  const existing = hash[node.name!];
  if (Array.isArray(existing)) existing.push(own);
  else if (existing && typeof existing === 'object') hash[node.name!] = [existing, own];
  else hash[node.name!] = own;
  for (const child of node.elements ?? []) {
    if (child.type === 'element') nokogiriToHash(child, own);
    else if (child.type === 'text' || child.type === 'cdata') own.__content__ = `${(own.__content__ as string | undefined) ?? ''}${String(child.text ?? child.cdata ?? '')}`;
  }
  if (Object.keys(own).length > 1 && !String(own.__content__ ?? '').trim()) delete own.__content__;
  for (const [name, value] of Object.entries(node.attributes ?? {})) own[name] = String(value);
}

function normalizeKeys(value: RubyValue): RubyValue {
  if (Array.isArray(value)) return value.map(normalizeKeys);
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([key, item]) => [key.replace(/-/g, '_'), normalizeKeys(item)]));
  return value;
}

const PARSING = new Set(['symbol', 'date', 'datetime', 'dateTime', 'integer', 'float', 'decimal', 'boolean', 'string', 'base64Binary', 'binary', 'file', 'yaml']);

/** ActiveSupport::XMLConverter#deep_to_h for the shapes a JUnit file has (no type="array"). */
function xmlConverter(value: RubyValue): RubyValue {
  if (Array.isArray(value)) return value.map(xmlConverter);
  if (value === null || typeof value === 'string') return value;
  if (value.type === 'symbol' || value.type === 'yaml') throw new Error(`DisallowedType ${String(value.type)}`);
  if (PARSING.has(String(value.type)) && value.type !== 'string' && value.type !== 'file') throw new Error(`test helper: typecast of type=${String(value.type)} is not reproduced`);
  const content = value.__content__;
  if (value.type === 'file' || (content !== undefined && (Object.keys(value).length === 1 || String(content).trim() !== ''))) return content as string;
  if (value.type === 'string' && value.nil !== 'true') return '';
  const blank = Object.keys(value).length === 0 || value.nil === 'true';
  const garbage = value.type !== undefined && Object.keys(value).length === 1;
  if (blank || garbage) return null;
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, xmlConverter(item)]));
}

function allCases(root: RubyValue, parent: RubyValue | undefined, out: GitlabCase[]): void {
  if (root === null || root === undefined || (typeof root === 'string' && !root.trim())) return;
  for (const node of ([root] as unknown[]).flat(2) as RubyValue[]) {
    if (!node || typeof node !== 'object' || Array.isArray(node)) continue;
    if (!parent) allCases(node.testsuites ?? null, root, out);
    if (parent && node.testcase) for (const tc of ([node.testcase] as unknown[]).flat(2) as RubyHash[]) out.push(createCase({ ...tc, suite_name: node.name ?? null }));
    allCases(node.testsuite ?? null, root, out);
  }
}

function createCase(data: RubyHash): GitlabCase {
  const text = (value: RubyValue | undefined) => (value === undefined ? undefined : rubyToS(value));
  const systemOut = 'system_out' in data ? `System Out:\n\n${text(data.system_out)}` : undefined;
  let status: GitlabCase['status'] = 'success';
  let systemOutput: string | undefined = systemOut;
  if ('failure' in data) {
    status = 'failed';
    systemOutput = [text(data.failure), systemOut].filter((part) => part !== undefined).join('\n\n');
  } else if ('error' in data) {
    status = 'error';
    systemOutput = [text(data.error), systemOut].filter((part) => part !== undefined).join('\n\n');
  } else if ('skipped' in data) {
    status = 'skipped';
    systemOutput = text(data.skipped);
  }
  const attachment = typeof data.system_out === 'string' ? data.system_out.match(/\[\[ATTACHMENT\|(?<path>[^[\]|]+?)\]\]/)?.groups?.path : undefined;
  return {
    suiteName: String(data.suite_name),
    classname: String(data.classname),
    name: String(data.name),
    ...(typeof data.file === 'string' ? { file: data.file } : {}),
    executionTime: parseFloat(String(data.time ?? '0')) || 0,
    status,
    ...(systemOutput === undefined ? {} : { systemOutput }),
    ...(attachment ? { attachment } : {}),
  };
}

/** How Ruby interpolates a value into a string (`"#{value}"`): a Hash prints as `{"message"=>"…"}`. */
function rubyToS(value: RubyValue): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  return rubyInspect(value);
}

function rubyInspect(value: RubyValue): string {
  if (value === null) return 'nil';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(rubyInspect).join(', ')}]`;
  return `{${Object.entries(value).map(([key, item]) => `${JSON.stringify(key)}=>${rubyInspect(item)}`).join(', ')}}`;
}
