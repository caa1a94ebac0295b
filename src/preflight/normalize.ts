/** Names, Git refs and state-key paths compared by what they mean, not by how they are written. */
import path from 'node:path';

/** Names (workspaces, kube contexts, issuers) compare without case or surrounding blanks: fail closed on "Prod" vs "prod". */
export function normalizeName(text: string): string {
  return text.trim().replace(/^["']|["']$/g, '').toLowerCase();
}

/** refs/heads/main, heads/main, origin/main, refs/remotes/origin/main and +main all name the branch main. */
export function normalizeBranch(ref: string): string {
  return normalizeName(ref)
    .replace(/^\+/, '')
    .replace(/^refs\/heads\//, '')
    .replace(/^(?:refs\/)?remotes\/[^/]+\//, '')
    .replace(/^heads\//, '')
    .replace(/^origin\//, '')
    .replace(/\/+$/, '');
}

/** A state key as the object it names: ./a/../b, a//b, /a/b, a%2Fb and a\b are all a/b. */
export function normalizeStateKey(key: string): string {
  let text = key.trim().replace(/^["']|["']$/g, '');
  try {
    text = decodeURIComponent(text);
  } catch {
    // Not percent-encoded: compare as written.
  }
  return path.posix
    .normalize(text.replace(/\\/g, '/'))
    .replace(/^(?:\.\/)+/, '')
    .replace(/^\/+/, '')
    .replace(/\/+$/, '')
    .toLowerCase();
}

/**
 * The pieces of a text that may each name something: the whole text, its words, the values of
 * `name=value` words (`--branch=refs/heads/main`, `-backend-config=key=...`), the destination of a
 * refspec (`HEAD:refs/heads/main`) and URL query values (`?ref=main`).
 */
export function tokensOf(text: string): string[] {
  const tokens = new Set<string>([text.trim()]);
  for (const word of text.split(/[\s,;&?#]+/)) {
    if (!word) continue;
    tokens.add(word);
    for (const part of word.split('=')) tokens.add(part);
    tokens.add(word.split(':').at(-1) ?? '');
  }
  tokens.delete('');
  return [...tokens];
}
