/**
 * Chat notification of a drill's verdict (runbook: "status updates in the private Mattermost /
 * Discord"). One POST to an incoming webhook, retried on network errors, 429 (honouring
 * Retry-After) and 5xx; other 4xx answers are final. It never throws: a chat outage must not fail
 * a drill, so the caller gets an outcome to log and carries on.
 *
 * Payloads: Discord webhooks take `{content}` (2,000 characters at most); Slack, Mattermost,
 * Rocket.Chat and most others take Slack's `{text}`. The webhook URL is itself a secret (the token
 * is in the path), so every message passes a masker that knows it.
 */
import { backoffDelay } from '../util/backoff.ts';
import type { DrillResult } from '../result/model.ts';
import { achievedRpo, achievedRto, measuredFrom } from '../report/figures.ts';
import { formatDuration } from '../util/duration.ts';
import { errorMessage } from '../util/errors.ts';
import { Masker } from '../util/mask.ts';

export type WebhookFormat = 'slack' | 'discord';

export interface WebhookOptions {
  url: string;
  format?: WebhookFormat | 'auto';
  /** Attempts in all (default 4). */
  attempts?: number;
  /** First retry delay in ms, doubled each time (default 1000). */
  backoffMs?: number;
  /** Upper bound of one wait, whatever Retry-After says (default 30 s). */
  maxDelayMs?: number;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  sleep?: (ms: number) => Promise<void>;
  masker?: Masker;
}

export interface WebhookOutcome {
  ok: boolean;
  attempts: number;
  status?: number;
  /** One line, masked: what happened. */
  message: string;
}

export function webhookFormat(url: string): WebhookFormat {
  try {
    const { hostname, pathname } = new URL(url);
    if (/(^|\.)discord(app)?\.com$/.test(hostname) && pathname.startsWith('/api/webhooks/') && !pathname.endsWith('/slack')) return 'discord';
  } catch {
    // An unparsable URL fails at fetch time with a proper message.
  }
  return 'slack';
}

const DISCORD_LIMIT = 2000;

export function notificationText(result: DrillResult, links: { summaryUrl?: string } = {}): string {
  const icon = { passed: '✅', failed: '❌', cancelled: '⚠️', error: '💥' }[result.status];
  const lines = [`${icon} DR drill ${result.drill.name} ${result.status} on ${result.run.target}: ${result.reason}`];
  for (const milestone of result.milestones) {
    lines.push(
      `• RTO ${milestone.name}: ${achievedRto(milestone)}${measuredFrom(milestone)}${milestone.objectiveMs === undefined ? '' : ` (objective ${formatDuration(milestone.objectiveMs)}, ${milestone.verdict})`}`,
    );
  }
  for (const rpo of result.rpo) {
    lines.push(`• RPO ${rpo.dataClass}: ${achievedRpo(rpo)}${rpo.objectiveMs === undefined ? '' : ` (objective ${formatDuration(rpo.objectiveMs)}, ${rpo.verdict})`}`);
  }
  const link = links.summaryUrl ?? result.run.ci?.url;
  if (link) lines.push(`Summary: ${link}`);
  return lines.join('\n');
}

export function webhookPayload(text: string, format: WebhookFormat): Record<string, string> {
  if (format === 'discord') return { content: text.length > DISCORD_LIMIT ? `${text.slice(0, DISCORD_LIMIT - 1)}…` : text };
  return { text };
}

export async function postWebhook(text: string, options: WebhookOptions): Promise<WebhookOutcome> {
  const masker = options.masker ?? new Masker();
  masker.add(options.url);
  masker.add(safePath(options.url));
  const attempts = Math.max(1, options.attempts ?? 4);
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const format = !options.format || options.format === 'auto' ? webhookFormat(options.url) : options.format;
  const body = JSON.stringify(webhookPayload(masker.mask(text), format));
  let last: WebhookOutcome = { ok: false, attempts: 0, message: 'not sent' };
  for (let attempt = 1; attempt <= attempts; attempt++) {
    let retryAfterMs: number | undefined;
    try {
      const response = await doFetch(options.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'dr-drill' },
        body,
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) return { ok: true, attempts: attempt, status: response.status, message: `webhook notification sent (${format}, HTTP ${response.status}, attempt ${attempt})` };
      last = { ok: false, attempts: attempt, status: response.status, message: `webhook answered HTTP ${response.status}` };
      const retryable = response.status === 429 || response.status >= 500;
      if (!retryable) return { ...last, message: `${last.message}; not retried (check the webhook URL and the payload format ${format})` };
      const header = response.headers.get('retry-after');
      if (header !== null && Number.isFinite(Number(header))) retryAfterMs = Number(header) * 1000;
    } catch (error) {
      last = { ok: false, attempts: attempt, message: masker.mask(`webhook request failed: ${errorMessage(error)}`) };
    }
    if (attempt < attempts) await sleep(Math.min(options.maxDelayMs ?? 30_000, retryAfterMs ?? backoffDelay(options.backoffMs ?? 1000, attempt, options.maxDelayMs ?? 30_000)));
  }
  return { ...last, message: `${last.message}; gave up after ${attempts} attempts (the drill result is unaffected)` };
}

function safePath(url: string): string {
  try {
    return new URL(url).pathname.length > 8 ? new URL(url).pathname : url;
  } catch {
    return url;
  }
}
