/**
 * What a Restore that did not complete says about its errors. The Restore object only counts them;
 * the messages live in the restore's results file in object storage, which `velero restore
 * describe --details` fetches (through a DownloadRequest). Best effort: without the velero CLI, or
 * when it fails, the count is all there is, and the step says how to look.
 */
import type { StepContext } from '../../contract/step.ts';

const DESCRIBE_TIMEOUT_MS = 60_000;

/** The `Errors:` section of `velero restore describe --details`, its `<none>` lines dropped; undefined when there is none to show. */
export async function restoreErrors(context: StepContext, namespace: string, restore: string): Promise<string[] | undefined> {
  if (!(await context.shell.which('velero'))) return undefined;
  const signal = AbortSignal.any([context.signal, AbortSignal.timeout(DESCRIBE_TIMEOUT_MS)]);
  try {
    const result = await context.shell.run('velero', ['restore', 'describe', restore, '--details', '-n', namespace], { allowFailure: true, signal });
    if (result.exitCode !== 0) return undefined;
    const lines = errorSection(result.stdout);
    return lines.length > 0 ? lines : undefined;
  } catch {
    return undefined;
  }
}

const LIST_HEADER = /^(Velero|Cluster|Namespaces):/;

/** The first error message itself, its list header ("Velero:") dropped, for the step's one-line reason. */
export function firstError(lines: readonly string[]): string | undefined {
  const first = lines.find((line) => !new RegExp(`${LIST_HEADER.source}$`).test(line));
  return first?.replace(new RegExp(`${LIST_HEADER.source}\\s*`), '');
}

/** The indented lines under a top-level `Errors:` header, up to the next top-level header. */
export function errorSection(describe: string): string[] {
  const lines = describe.split('\n');
  const start = lines.findIndex((line) => /^Errors:/.test(line));
  if (start < 0) return [];
  // The results could not be fetched: velero says why on the header line itself.
  const inline = /^Errors:\s+(\S.*)$/.exec(lines[start]!)?.[1];
  if (inline) return [inline];
  const section: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\S/.test(line)) break;
    const text = line.trim();
    if (text === '' || /^(Velero|Cluster|Namespaces):\s*<none>$/.test(text)) continue;
    section.push(text);
  }
  // Headers alone ("Namespaces:" with nothing under it) say nothing.
  return section.filter((text, index) => !(new RegExp(`${LIST_HEADER.source}$`).test(text) && (section[index + 1] === undefined || LIST_HEADER.test(section[index + 1]!))));
}
