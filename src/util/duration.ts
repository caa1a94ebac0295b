/** Durations as people write them in drill files: `90s`, `30m`, `4h`, `1h30m`, `2d`, `500ms`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** The same rule for JSON Schema `pattern` (editors): surrounding blanks allowed, as `isDuration` trims. */
export const DURATION_JSON_PATTERN = '^\\s*(?:\\d+(?:\\.\\d+)?(?:ms|s|m|h|d))+\\s*$';

export function isDuration(text: string): boolean {
  return DURATION_PATTERN.test(text.trim());
}

export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (!DURATION_PATTERN.test(trimmed)) {
    throw new Error(`"${text}" is not a duration; write it like 90s, 30m, 4h or 1h30m`);
  }
  let total = 0;
  for (const match of trimmed.matchAll(PART_PATTERN)) {
    total += Number(match[1]) * (UNIT_MS[match[2]!] ?? 0);
  }
  return Math.round(total);
}

/**
 * Exact, for figures people plan around: no nonzero unit is ever dropped and nothing is rounded
 * toward an objective. `850ms`, `12s`, `12.340s`, `4m 05s`, `24h 06m 00s` (hours are not folded
 * into days: `1d 0h` hid six minutes). Fractions of a millisecond are rounded up, so a figure
 * just over an objective never prints equal to it.
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.ceil(Math.abs(ms));
  if (abs < 1000) return `${sign}${abs}ms`;
  const millis = abs % 1000;
  const totalSeconds = Math.floor(abs / 1000);
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const fraction = millis === 0 ? '' : `.${String(millis).padStart(3, '0')}`;
  if (hours > 0) return `${sign}${hours}h ${pad(minutes)}m ${pad(seconds)}${fraction}s`;
  if (minutes > 0) return `${sign}${minutes}m ${pad(seconds)}${fraction}s`;
  return `${sign}${seconds}${fraction}s`;
}

function pad(value: number): string {
  return String(value).padStart(2, '0');
}

/** A figure in seconds for machine-read reports (JUnit, OpenMetrics, dotenv, CI outputs): whole milliseconds, never rounded to a whole second. */
export function figureSeconds(ms: number): number {
  return Math.ceil(ms) / 1000;
}
