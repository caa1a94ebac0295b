/**
 * data.check: after a restore, find the newest canary record the restored data holds and record
 * the data RPO from it. A canary writer appends a timestamped record to the data (a line in a
 * file, a row the app serves) every few minutes; the newest restored record says how much data
 * was lost, independent of what the backup tool claims. Reads one of:
 *   file:    a restored file (e.g. restic.restore's target + /data/app/canary.log)
 *   url:     an HTTP endpoint of the restored app that answers with the newest record
 *   command: a program whose output holds the records (e.g. a psql query through kubectl exec)
 * Every timestamp in the text counts (RFC 3339 / ISO 8601, or epoch seconds with epochSeconds);
 * records after T0 were written by the recovered app, not restored, and are ignored.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DrillError, errorMessage } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const ISO_TIME = /\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})/g;
const EPOCH_SECONDS = /\b[12]\d{9}(?:\.\d+)?\b/g;

const inputs = z
  .strictObject({
    file: z.string().optional().meta({ description: 'File holding canary records, one per line (relative to the drill file).' }),
    url: z.url().optional().meta({ description: 'HTTP endpoint answering with the newest canary record(s).' }),
    command: z.array(z.string()).min(1).optional().meta({ description: 'Program and arguments whose stdout holds the canary records.' }),
    headers: z.record(z.string(), z.string()).default({}).meta({ description: 'Headers for url: (values are masked).' }),
    insecureSkipVerify: z.boolean().default(false),
    pattern: z.string().optional().meta({ description: 'Regular expression that finds a record; its first capture group (or the whole match) is the timestamp. Default: every RFC 3339 timestamp.' }),
    epochSeconds: z.boolean().default(false).meta({ description: 'Timestamps are Unix epoch seconds (e.g. 1764086400) instead of RFC 3339.' }),
    source: z.string().optional().meta({ description: 'How the RPO sample names its source in reports; default: the file, URL or command.' }),
  })
  .refine((value) => [value.file, value.url, value.command].filter((source) => source !== undefined).length === 1, { error: 'give exactly one of file:, url: or command:' });

export const dataCheck = defineStep({
  kind: 'data.check',
  summary: 'read the newest canary record of restored data (file, HTTP endpoint or command) and record the data RPO from it',
  inputs,
  preflight: (input) => ({ tools: [input.command?.[0]] }),
  async run(context, input) {
    let text: string;
    let where: string;
    if (input.file !== undefined) {
      const file = path.resolve(context.drillDir, input.file);
      where = file;
      try {
        text = await readFile(file, 'utf8');
      } catch (error) {
        throw new DrillError('EDATACHECK', `no canary file at ${file}`, { details: `${(error as NodeJS.ErrnoException).code ?? errorMessage(error)}: did the restore bring it back? check file: against the restore's target` });
      }
    } else if (input.url !== undefined) {
      where = input.url;
      for (const value of Object.values(input.headers)) context.addSecret(value);
      const response = await context.http.request({ url: input.url, headers: input.headers, insecureSkipVerify: input.insecureSkipVerify, signal: context.signal });
      if (response.status < 200 || response.status > 299) {
        throw new DrillError('EDATACHECK', `canary endpoint ${input.url} answered HTTP ${response.status}`, { details: response.body.slice(0, 300) });
      }
      text = response.body;
    } else {
      const [program, ...args] = input.command!;
      where = [program, ...args].join(' ');
      text = (await context.shell.run(program!, args, { signal: context.signal, cwd: context.drillDir })).stdout;
    }

    const times = findTimes(text, input.pattern, input.epochSeconds);
    const restored = times.filter((time) => time <= context.t0);
    const later = times.length - restored.length;
    if (later > 0) context.log.info(`${later} canary record(s) newer than T0 ignored: written after the disaster, not restored`);
    const newest = restored.length > 0 ? Math.max(...restored) : undefined;
    if (newest === undefined) {
      throw new DrillError('EDATACHECK', `no canary record ${times.length > 0 ? 'older than T0 ' : ''}in ${where}`, {
        details:
          times.length > 0
            ? `all ${times.length} record(s) were written after T0 (${new Date(context.t0).toISOString()}): the restored data holds none`
            : `expected ${input.pattern ? `matches of pattern ${input.pattern}` : input.epochSeconds ? 'epoch seconds' : 'RFC 3339 timestamps such as 2026-11-25T02:00:00Z'}; got: ${text.trim().slice(0, 200) || '(empty)'}`,
      });
    }
    const newestIso = new Date(newest).toISOString();
    context.recordRpo({
      source: input.source ?? `canary ${where}: newest record time`,
      dataTime: newestIso,
      detail: `newest of ${restored.length} canary record(s) written by T0${later > 0 ? `; skipped ${later} record(s) written after T0` : ''}`,
    });
    context.log.info(`newest canary record: ${newestIso} (${restored.length} record(s) found)`);
    return { newestRecord: newestIso, records: restored.length };
  },
});

export function findTimes(text: string, pattern: string | undefined, epochSeconds: boolean): number[] {
  const parse = (value: string): number => (epochSeconds ? Math.floor(Number(value) * 1000) : Date.parse(value.replace(' ', 'T').replace(/(\.\d{3})\d+/, '$1').replace(/([+-]\d{2})(\d{2})$/, '$1:$2')));
  const matcher = pattern ? new RegExp(pattern, 'g') : epochSeconds ? EPOCH_SECONDS : ISO_TIME;
  const times: number[] = [];
  for (const match of text.matchAll(new RegExp(matcher.source, matcher.flags.includes('g') ? matcher.flags : `${matcher.flags}g`))) {
    const time = parse(match[1] ?? match[0]);
    if (!Number.isNaN(time)) times.push(time);
  }
  return times;
}
