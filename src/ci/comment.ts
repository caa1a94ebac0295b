/**
 * One pull request comment / merge request note per report, created once and then updated in
 * place: the note carries a hidden HTML marker (`<!-- dr-drill:KEY -->`) and later pipelines find
 * it by that marker instead of piling up a new note per pipeline.
 *
 * GitHub: GET/POST {api}/repos/{owner}/{repo}/issues/{number}/comments,
 *         PATCH {api}/repos/{owner}/{repo}/issues/comments/{id}   (pull requests are issues here)
 * GitLab: GET/POST {api}/projects/{id}/merge_requests/{iid}/notes,
 *         PUT {api}/projects/{id}/merge_requests/{iid}/notes/{note_id}
 * The API base URL comes from the environment (GITHUB_API_URL, CI_API_V4_URL), so tests point it
 * at a local server. The token never appears in messages: every message passes the masker.
 */
import { DrillError } from '../util/errors.ts';
import { Masker } from '../util/mask.ts';

export interface NoteTarget {
  provider: 'github' | 'gitlab';
  /** https://api.github.com, or GitLab's CI_API_V4_URL (https://gitlab.example.com/api/v4). */
  apiUrl: string;
  /** `owner/repo` on GitHub, the numeric project ID (or full path) on GitLab. */
  project: string;
  /** Pull request number or merge request IID. */
  number: string;
  token: string;
}

export interface UpsertOutcome {
  action: 'created' | 'updated';
  id: number;
  url?: string;
}

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

/** GitHub rejects comment bodies over 65,536 characters. */
const MAX_BODY = 65_000;
const PAGE_SIZE = 100;
/** A pull request with more notes than this is not worth paging through further. */
const MAX_PAGES = 50;

function environmentMasker(): Masker {
  const masker = new Masker();
  masker.addFromEnvironment(process.env);
  return masker;
}

export function noteMarker(key: string): string {
  return `<!-- dr-drill:${key.replace(/-->/g, '')} -->`;
}

/** `masker`: the run's secrets (default: secret-looking variables of this process's environment); the token is added to it. */
export async function upsertNote(target: NoteTarget, key: string, markdown: string, options: { fetch?: FetchLike; masker?: Masker } = {}): Promise<UpsertOutcome> {
  const doFetch = options.fetch ?? fetch;
  const masker = options.masker ?? environmentMasker();
  masker.add(target.token);
  const marker = noteMarker(key);
  // The note leaves the job: masked like every other sink, before it is cut to the size limit.
  let body = `${marker}\n${masker.mask(markdown)}`;
  if (body.length > MAX_BODY) body = `${body.slice(0, MAX_BODY)}\n\n… (truncated: the full report is in the job artifacts)`;
  const api = target.provider === 'github' ? githubApi(target) : gitlabApi(target);

  const call = async (method: string, url: string, payload?: unknown): Promise<Response> => {
    let response: Response;
    try {
      response = await doFetch(url, { method, headers: api.headers, ...(payload === undefined ? {} : { body: JSON.stringify(payload) }) });
    } catch (error) {
      throw new DrillError('ECOMMAND', masker.mask(`${method} ${url} failed: ${(error as Error).message}`), { details: 'check the API URL and the network of the CI job' });
    }
    if (!response.ok) {
      const text = await response.text().catch(() => '');
      throw new DrillError('ECOMMAND', masker.mask(`${method} ${url} answered ${response.status} ${response.statusText}`.trim()), {
        details: masker.mask(`${text.slice(0, 500)}\n${api.hint(response.status)}`.trim()),
      });
    }
    return response;
  };

  let existing: number | undefined;
  let page: string | undefined = '1';
  for (let pages = 0; page && pages < MAX_PAGES && existing === undefined; pages++) {
    const response = await call('GET', `${api.listUrl}?per_page=${PAGE_SIZE}&page=${page}${api.listQuery}`);
    const notes = (await response.json()) as { id: number; body?: string; system?: boolean }[];
    existing = notes.find((note) => !note.system && typeof note.body === 'string' && note.body.includes(marker))?.id;
    page = api.nextPage(response, page, notes.length);
  }

  if (existing !== undefined) {
    const response = await call(api.updateMethod, api.itemUrl(existing), { body });
    return withUrl({ action: 'updated', id: existing }, await response.json());
  }
  const response = await call('POST', api.listUrl, { body });
  const created = (await response.json()) as { id: number };
  return withUrl({ action: 'created', id: created.id }, created);
}

function withUrl(outcome: UpsertOutcome, payload: unknown): UpsertOutcome {
  const url = (payload as { html_url?: string } | null)?.html_url;
  return url ? { ...outcome, url } : outcome;
}

interface Api {
  headers: Record<string, string>;
  listUrl: string;
  listQuery: string;
  itemUrl: (id: number) => string;
  updateMethod: 'PATCH' | 'PUT';
  nextPage: (response: Response, page: string, count: number) => string | undefined;
  hint: (status: number) => string;
}

function githubApi(target: NoteTarget): Api {
  const base = `${target.apiUrl.replace(/\/+$/, '')}/repos/${target.project}`;
  return {
    headers: {
      accept: 'application/vnd.github+json',
      authorization: `Bearer ${target.token}`,
      'content-type': 'application/json',
      'user-agent': 'dr-drill',
      'x-github-api-version': '2022-11-28',
    },
    listUrl: `${base}/issues/${target.number}/comments`,
    listQuery: '',
    itemUrl: (id) => `${base}/issues/comments/${id}`,
    updateMethod: 'PATCH',
    // GitHub pages with a Link header; a short page is the last one either way.
    nextPage: (response, page, count) => (count < PAGE_SIZE && !/rel="next"/.test(response.headers.get('link') ?? '') ? undefined : String(Number(page) + 1)),
    hint: (status) =>
      status === 403 || status === 404
        ? 'give the workflow `permissions: pull-requests: write` (GITHUB_TOKEN) or pass a token that can comment on the pull request; pull requests from forks get a read-only token'
        : '',
  };
}

function gitlabApi(target: NoteTarget): Api {
  const base = `${target.apiUrl.replace(/\/+$/, '')}/projects/${encodeURIComponent(target.project)}/merge_requests/${target.number}/notes`;
  return {
    headers: { 'content-type': 'application/json', 'private-token': target.token, 'user-agent': 'dr-drill' },
    listUrl: base,
    listQuery: '&sort=asc&order_by=created_at',
    itemUrl: (id) => `${base}/${id}`,
    updateMethod: 'PUT',
    nextPage: (response, _page, count) => {
      const next = response.headers.get('x-next-page');
      if (next !== null) return next || undefined;
      return count < PAGE_SIZE ? undefined : String(Number(_page) + 1);
    },
    hint: (status) =>
      status === 401 || status === 403
        ? 'DR_DRILL_GITLAB_TOKEN must be a project access token with the api scope and at least the Reporter role; CI_JOB_TOKEN cannot post notes'
        : '',
  };
}

/** The pull request comment target from GitHub Actions' environment. */
export function githubCommentTarget(env: Record<string, string | undefined>, prNumber?: string): NoteTarget {
  const number = prNumber ?? pullRequestFromRef(env.GITHUB_REF);
  const token = env.DR_DRILL_GITHUB_TOKEN ?? env.GITHUB_TOKEN;
  const missing = [...(env.GITHUB_REPOSITORY ? [] : ['GITHUB_REPOSITORY']), ...(number ? [] : ['the pull request number (--pr or GITHUB_REF refs/pull/N/merge)']), ...(token ? [] : ['GITHUB_TOKEN'])];
  if (missing.length > 0) {
    throw new DrillError('EPREFLIGHT', `cannot post the pull request comment: ${missing.join(', ')} not set`, {
      details: 'run this step on pull_request events with `env: GITHUB_TOKEN: ${{ github.token }}` and `permissions: pull-requests: write`',
    });
  }
  return { provider: 'github', apiUrl: env.GITHUB_API_URL ?? 'https://api.github.com', project: env.GITHUB_REPOSITORY!, number: number!, token: token! };
}

function pullRequestFromRef(ref: string | undefined): string | undefined {
  return ref?.match(/^refs\/pull\/(\d+)\//)?.[1];
}
