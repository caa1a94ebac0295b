/** Durations as people write them in drill files: `90s`, `30m`, `4h`, `1h30m`, `2d`, `500ms`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;
const PART_PATTERN = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

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

/** Compact, exact enough for reports: `3h 12m`, `4m 05s`, `12.3s`, `850ms`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms)) return 'n/a';
  const sign = ms < 0 ? '-' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)}ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)}s`;
  const totalSeconds = Math.round(abs / 1000);
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return `${sign}${days}d ${hours}h`;
  if (hours > 0) return `${sign}${hours}h ${String(minutes).padStart(2, '0')}m`;
  return `${sign}${minutes}m ${String(seconds).padStart(2, '0')}s`;
}
