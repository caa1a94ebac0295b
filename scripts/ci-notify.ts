#!/usr/bin/env node
/**
 * Optional chat notification after a drill:
 *   node scripts/ci-notify.ts --result reports/result.json [--url-env DR_DRILL_WEBHOOK_URL] [--format auto|slack|discord] [--summary-url URL]
 * Posts the verdict, RTO/RPO and the summary link to a Discord, Mattermost or Slack-compatible
 * incoming webhook, with retries. Always exits 0: a chat outage never fails a drill. Without the
 * webhook variable it says so and does nothing.
 */
import { parseArgs } from 'node:util';
import { notificationText, postWebhook, type WebhookFormat } from '../src/notify/webhook.ts';
import { readResult } from '../src/result/io.ts';
import { Masker } from '../src/util/mask.ts';

export function summaryUrl(env: Record<string, string | undefined>): string | undefined {
  if (env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY && env.GITHUB_RUN_ID) return `${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`;
  if (env.CI_JOB_URL) return env.CI_JOB_URL;
  return undefined;
}

export async function cli(argv: string[], env: Record<string, string | undefined> = process.env, options: { sleep?: (ms: number) => Promise<void> } = {}): Promise<number> {
  const masker = new Masker();
  masker.addFromEnvironment(env);
  const say = (text: string) => process.stdout.write(`${masker.mask(text)}\n`);
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        result: { type: 'string', default: 'reports/result.json' },
        'url-env': { type: 'string', default: 'DR_DRILL_WEBHOOK_URL' },
        format: { type: 'string', default: 'auto' },
        'summary-url': { type: 'string' },
        attempts: { type: 'string', default: '4' },
      },
      strict: true,
    });
    const url = env[values['url-env']];
    if (!url) {
      say(`notify: ${values['url-env']} is not set; no chat notification sent`);
      return 0;
    }
    masker.add(url);
    const result = await readResult(values.result);
    const link = values['summary-url'] ?? summaryUrl(env);
    const outcome = await postWebhook(notificationText(result, link ? { summaryUrl: link } : {}), {
      url,
      format: values.format as WebhookFormat | 'auto',
      attempts: Number(values.attempts) || 4,
      masker,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
    say(`notify: ${outcome.message}`);
  } catch (error) {
    say(`notify: warning: ${(error as Error).message}; no chat notification sent (the drill result is unaffected)`);
  }
  return 0;
}

if (import.meta.main) {
  process.exitCode = await cli(process.argv.slice(2));
}
