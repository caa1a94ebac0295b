/**
 * git.branch: create the drill's own GitOps branch from production's (its Flux is bootstrapped
 * from it, so destructive changes never reach the branch production syncs), or delete it again
 * in `finally`. Creating refuses a branch that exists; deleting one that is gone is nothing to do.
 */
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';
import { assertDrillBranch, cloneBranch, git, registerUrlSecret, remoteHead } from './repo.ts';

const inputs = z.strictObject({
  url: z.string().min(1).meta({ description: 'Git remote URL of the GitOps repository.' }),
  branch: z.string().min(1).meta({ description: 'The drill\'s branch; its name must hold the run id, e.g. drill/${run.id}.' }),
  from: z.string().default('main').meta({ description: 'Branch (or commit) the drill branch starts at: what production syncs.' }),
  delete: z.boolean().default(false).meta({ description: 'Delete the branch instead (teardown).' }),
  allowSharedBranch: z.boolean().default(false).meta({ description: 'Lift the guard that the branch name holds the run id.' }),
});

export const gitBranch = defineStep({
  kind: 'git.branch',
  summary: "create the drill's own GitOps branch from production's (or delete it in finally)",
  inputs,
  // It reads production's branch (from) on purpose, to fork the drill's; it writes only the drill's branch.
  preflight: (input) => ({ tools: ['git'], gitRemotes: [input.url], readsProduction: ['url', 'from'], ...(input.branch ? { gitWrites: [{ branch: input.branch, via: input.delete ? 'git push --delete' : 'git push' }] } : {}) }),
  async run(context, input) {
    registerUrlSecret(context, input.url);
    assertDrillBranch(context, input.branch, input.allowSharedBranch);
    const existing = await remoteHead(context, input.url, input.branch);
    if (input.delete) {
      if (!existing) {
        context.log.info(`branch ${input.branch} does not exist: nothing to delete`);
        return { deleted: false };
      }
      await context.shell.run('git', ['push', input.url, '--delete', input.branch], { signal: context.signal });
      context.log.info(`deleted branch ${input.branch} (was ${existing.slice(0, 12)})`);
      return { deleted: true, revision: existing };
    }
    if (existing) {
      throw new DrillError('EGIT', `branch ${input.branch} already exists on ${input.url} (at ${existing.slice(0, 12)})`, { details: 'a drill branch starts fresh from production\'s: use a branch name with ${run.id}, or delete the leftover branch' });
    }
    const dir = await cloneBranch(context, input.url, input.from, 1);
    const [head] = (await git(context, dir, ['rev-parse', 'HEAD'])).stdout.split('\n');
    await git(context, dir, ['push', 'origin', `HEAD:refs/heads/${input.branch}`]);
    context.log.info(`created ${input.branch} at ${input.from} ${head!.slice(0, 12)}`);
    return { branch: input.branch, revision: head! };
  },
});
