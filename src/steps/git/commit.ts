/**
 * git.commit: a change to the drill's GitOps branch — remove paths, write files — committed and
 * pushed, as a destructive change reaches a repository (GitOps drift / destroyed manifests).
 * Refuses branches that are not the run's own.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { DrillError } from '../../util/errors.ts';
import { defineStep } from '../../contract/step.ts';
import { assertDrillBranch, cloneBranch, commitInfo, git, push, registerUrlSecret } from './repo.ts';

const inputs = z
  .strictObject({
    url: z.string().min(1),
    branch: z.string().min(1).meta({ description: 'The drill\'s branch (its name must hold the run id).' }),
    remove: z.array(z.string().min(1)).default([]).meta({ description: 'Paths (files or directories) to delete, relative to the repository root.' }),
    write: z.record(z.string(), z.string()).default({}).meta({ description: 'Files to create or replace: path -> content.' }),
    message: z.string().min(1),
    allowSharedBranch: z.boolean().default(false),
  })
  .refine((value) => value.remove.length > 0 || Object.keys(value.write).length > 0, { error: 'give remove: or write:' });

/** A path inside the clone; `..` or an absolute path would write outside it. */
function inside(dir: string, file: string): string {
  const resolved = path.resolve(dir, file);
  if (!resolved.startsWith(`${dir}${path.sep}`)) throw new DrillError('EINPUT', `path ${file} is outside the repository`, { details: 'give paths relative to the repository root' });
  return resolved;
}

export const gitCommit = defineStep({
  kind: 'git.commit',
  summary: "commit and push a change (remove paths, write files) to the drill's GitOps branch",
  inputs,
  preflight: (input) => ({ tools: ['git'], gitRemotes: [input.url], readsProduction: ['url'], ...(input.branch ? { gitWrites: [{ branch: input.branch, via: 'git push' }] } : {}) }),
  async run(context, input) {
    registerUrlSecret(context, input.url);
    assertDrillBranch(context, input.branch, input.allowSharedBranch);
    const dir = await cloneBranch(context, input.url, input.branch, 10);
    for (const file of input.remove) {
      const target = inside(dir, file);
      try {
        await stat(target);
      } catch {
        throw new DrillError('EINPUT', `remove: ${file} is not in branch ${input.branch}`, { details: 'name a path that exists in the GitOps tree' });
      }
      await rm(target, { recursive: true });
    }
    for (const [file, text] of Object.entries(input.write)) {
      const target = inside(dir, file);
      await mkdir(path.dirname(target), { recursive: true });
      await writeFile(target, text);
    }
    await git(context, dir, ['add', '-A']);
    await git(context, dir, ['commit', '-m', input.message]);
    const [commit] = await commitInfo(context, dir, 'HEAD');
    await push(context, dir, input.branch);
    context.log.info(`pushed ${commit!.sha.slice(0, 12)} "${commit!.subject}" to ${input.branch}`);
    return { revision: commit!.sha, parent: commit!.parents[0] ?? '', commitTime: commit!.time };
  },
});
