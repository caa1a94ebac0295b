/**
 * git.revert: revert commits on the drill's GitOps branch (runbook 002 scenario 3: "Git-History
 * revertieren") and push. Its outputs name the content the branch returned to: the newest commit
 * not reverted, dated no later than T0, for the configuration RPO.
 */
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';
import { assertDrillBranch, cloneBranch, commitInfo, git, push, registerUrlSecret } from './repo.ts';

const inputs = z.strictObject({
  url: z.string().min(1),
  branch: z.string().min(1).meta({ description: 'The drill\'s branch (its name must hold the run id).' }),
  commits: z.array(z.string().regex(/^[0-9a-f]{7,64}$/, { error: 'a commit SHA' })).min(1).meta({ description: 'Commits to revert, newest first (e.g. ${steps.bad-commit.outputs.revision}).' }),
  history: z.int().min(2).max(1000).default(50).meta({ description: 'How much history to fetch; the reverted commits must be in it.' }),
  allowSharedBranch: z.boolean().default(false),
});

export const gitRevert = defineStep({
  kind: 'git.revert',
  summary: "revert commits on the drill's GitOps branch and push; names the content returned to (configuration RPO)",
  inputs,
  preflight: (input) => ({ tools: ['git'], gitRemotes: [input.url], readsProduction: ['url'], ...(input.branch ? { gitWrites: [{ branch: input.branch, via: 'git push' }] } : {}) }),
  async run(context, input) {
    registerUrlSecret(context, input.url);
    assertDrillBranch(context, input.branch, input.allowSharedBranch);
    const dir = await cloneBranch(context, input.url, input.branch, input.history);
    const history = await commitInfo(context, dir, 'HEAD', input.history);
    const reverted = input.commits.map((sha) => {
      const found = history.find((commit) => commit.sha.startsWith(sha));
      if (!found) throw new DrillError('EGIT', `commit ${sha} is not in the last ${input.history} commits of ${input.branch}`, { details: 'give a commit of the drill branch, or raise history:' });
      return found;
    });
    try {
      await git(context, dir, ['revert', '--no-edit', ...reverted.map((commit) => commit.sha)]);
    } catch (error) {
      throw new DrillError('EGIT', `git revert of ${reverted.map((commit) => commit.sha.slice(0, 12)).join(', ')} did not apply cleanly`, { details: 'later commits changed the same files; revert them too (newest first) or resolve by hand', cause: error });
    }
    const [revert] = await commitInfo(context, dir, 'HEAD');
    await push(context, dir, input.branch);
    // The content the branch holds now: the newest commit that was not reverted. Commits after T0
    // (the drill's own) were not there at the disaster: date the content no later than T0.
    const revertedShas = new Set(reverted.map((commit) => commit.sha));
    const kept = history.filter((commit) => !revertedShas.has(commit.sha));
    const content = kept.find((commit) => Date.parse(commit.time) <= context.t0) ?? kept.at(-1);
    if (!content) throw new DrillError('EGIT', `no commit is left once ${[...revertedShas].join(', ')} are reverted`);
    if (content !== kept[0]) context.log.warn(`commits made after T0 are in the reverted tree (newest ${kept[0]!.sha.slice(0, 12)}); its content is dated at ${content.sha.slice(0, 12)}, the newest commit before T0`);
    context.log.info(`reverted ${reverted.map((commit) => `${commit.sha.slice(0, 12)} "${commit.subject}"`).join(', ')} with ${revert!.sha.slice(0, 12)}; ${input.branch} holds the content of ${content.sha.slice(0, 12)} (${content.time})`);
    return { revision: revert!.sha, reverted: reverted.map((commit) => commit.sha), contentRevision: content.sha, contentCommitTime: content.time };
  },
});
