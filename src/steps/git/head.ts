/**
 * git.head: the Git branch HEAD at T0 and the recent commit times. Git is the source of truth
 * for cluster configuration, so this is what the configuration RPO is measured against.
 */
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';

const inputs = z.strictObject({
  url: z.string().min(1).meta({ description: 'Git remote URL that Flux syncs from.' }),
  branch: z.string().default('main'),
  history: z.int().min(1).max(1000).default(100).meta({ description: 'How many recent commits to fetch for commit times.' }),
});

export const gitHead = defineStep({
  kind: 'git.head',
  summary: 'record the branch HEAD and recent commit times at T0 (for the cluster configuration RPO)',
  inputs,
  // It reads production's branch on purpose: that HEAD is what the configuration RPO is measured against.
  preflight: (input) => ({ tools: ['git'], gitRemotes: [input.url], readsProduction: ['url', 'branch'] }),
  async run(context, input) {
    try {
      const password = new URL(input.url).password;
      if (password) context.addSecret(decodeURIComponent(password));
    } catch {
      // scp-like URLs (git@host:repo) carry no password.
    }
    const listed = await context.shell.run('git', ['ls-remote', input.url, `refs/heads/${input.branch}`], { signal: context.signal });
    const head = listed.stdout.split('\n').find((line) => line.endsWith(`refs/heads/${input.branch}`))?.split('\t')[0];
    if (!head) throw new DrillError('EGIT', `branch ${input.branch} not found on ${input.url}`, { details: 'check branch: and that the remote is the one Flux syncs from' });
    const clone = path.join(context.workDir, `git-${context.stepId}`);
    await context.shell.run('git', ['clone', '--bare', '--quiet', '--filter=blob:none', `--depth=${input.history}`, '--branch', input.branch, input.url, clone], { signal: context.signal });
    const log = await context.shell.run('git', ['--git-dir', clone, 'log', `-${input.history}`, '--format=%H%x09%cI', head], { signal: context.signal });
    const commits: Record<string, string> = {};
    for (const line of log.stdout.split('\n')) {
      const [sha, time] = line.trim().split('\t');
      if (sha && time) commits[sha] = new Date(time).toISOString();
    }
    const commitTime = commits[head];
    if (!commitTime) throw new DrillError('EGIT', `could not read the commit time of ${head}`);
    context.log.info(`${input.branch} at T0: ${head} committed ${commitTime}`);
    return { revision: head, branch: input.branch, commitTime, commits };
  },
});
