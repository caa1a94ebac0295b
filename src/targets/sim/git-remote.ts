/**
 * The simulated GitOps remote: commits with whole trees (path -> file text), branches that only
 * move by fast-forward push unless forced, and a seeded history dated from T0. Flux's simulated
 * source-controller fetches from here; the simulated git CLI clones, commits, reverts and pushes.
 */
import { createHash } from 'node:crypto';

export type Tree = ReadonlyMap<string, string>;

export interface SimCommit {
  sha: string;
  parents: string[];
  /** Committer time, ISO 8601 with whole seconds. */
  time: string;
  author: string;
  message: string;
  tree: Tree;
}

export type PushOutcome = { ok: true; from: string | undefined } | { ok: false; reason: 'non-fast-forward' | 'unknown-commit' };

export class SimGitRemote {
  readonly url: string;
  readonly #commits = new Map<string, SimCommit>();
  readonly #branches = new Map<string, string>();

  constructor(url: string) {
    this.url = url;
  }

  head(branch: string): string | undefined {
    return this.#branches.get(branch);
  }

  branches(): string[] {
    return [...this.#branches.keys()];
  }

  commit(sha: string): SimCommit | undefined {
    return this.#commits.get(sha) ?? [...this.#commits.values()].find((commit) => sha.length >= 7 && commit.sha.startsWith(sha));
  }

  /** Newest first along first parents, at most `limit` commits. */
  log(sha: string, limit = Number.POSITIVE_INFINITY): SimCommit[] {
    const history: SimCommit[] = [];
    let current = this.commit(sha);
    while (current && history.length < limit) {
      history.push(current);
      current = current.parents[0] ? this.#commits.get(current.parents[0]) : undefined;
    }
    return history;
  }

  isAncestor(ancestor: string, of: string): boolean {
    return this.log(of).some((commit) => commit.sha === ancestor);
  }

  /** Store commits (a push carries them along) without moving any branch. */
  store(commits: Iterable<SimCommit>): void {
    for (const commit of commits) this.#commits.set(commit.sha, commit);
  }

  /** Move `branch` to `sha`: a fast-forward unless forced; a branch that does not exist is created. */
  push(branch: string, sha: string, options: { force?: boolean } = {}): PushOutcome {
    if (!this.#commits.has(sha)) return { ok: false, reason: 'unknown-commit' };
    const from = this.#branches.get(branch);
    if (from && !options.force && from !== sha && !this.isAncestor(from, sha)) return { ok: false, reason: 'non-fast-forward' };
    this.#branches.set(branch, sha);
    return { ok: true, from };
  }

  deleteBranch(branch: string): boolean {
    return this.#branches.delete(branch);
  }
}

/** A commit's id from its content, the way Git derives it (not byte-identical to Git's, but as stable). */
export function commitSha(parts: { parents: string[]; time: string; author: string; message: string; tree: Tree }): string {
  const hash = createHash('sha1');
  for (const [file, text] of [...parts.tree.entries()].sort(([a], [b]) => a.localeCompare(b))) hash.update(`${file}\0${text}\0`);
  hash.update(`${parts.parents.join(',')}\0${parts.time}\0${parts.author}\0${parts.message}`);
  return hash.digest('hex');
}

/** What changed from `before` to `after`: paths added, modified and deleted. */
export function diffTrees(before: Tree, after: Tree): { added: string[]; modified: string[]; deleted: string[] } {
  const added: string[] = [];
  const modified: string[] = [];
  const deleted: string[] = [];
  for (const [file, text] of after) {
    if (!before.has(file)) added.push(file);
    else if (before.get(file) !== text) modified.push(file);
  }
  for (const file of before.keys()) if (!after.has(file)) deleted.push(file);
  return { added: added.sort(), modified: modified.sort(), deleted: deleted.sort() };
}
