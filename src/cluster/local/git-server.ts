/**
 * Git smart-HTTP server: a Node HTTP server on 127.0.0.1 that runs `git http-backend` as a CGI
 * program for every request. Read-only unless `pushableBranchPrefix` is given; then pushes may
 * create, update or delete only branches under that prefix, never a protected one (a pre-receive
 * hook refuses every other ref, so production's branch stays untouched whatever a drill pushes).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { LOOPBACK } from './ports.ts';
import { DrillError } from '../../util/errors.ts';

export interface GitServer {
  /** e.g. http://127.0.0.1:40123 ; a repo `x.git` under the root is at `${baseUrl}/x.git` */
  baseUrl: string;
  port: number;
  stop: () => Promise<void>;
}

export interface GitServerOptions {
  /** Directory holding the repositories (GIT_PROJECT_ROOT). */
  projectRoot: string;
  git?: string;
  /** Accept pushes to branches under this prefix (e.g. `drill/`); omitted: read-only. */
  pushableBranchPrefix?: string;
  /** Branches under the prefix that still refuse every push (e.g. the branch production syncs). */
  protectedBranches?: string[];
}

/** The pre-receive hook: every ref a push names must be a pushable, unprotected branch. */
export const PRE_RECEIVE_HOOK = `#!/bin/sh
status=0
while read -r old new ref; do
  branch=\${ref#refs/heads/}
  case "$ref" in
    "refs/heads/$DR_DRILL_PUSH_PREFIX"*) ;;
    *) echo "dr-drill git server: refusing $ref: only branches under $DR_DRILL_PUSH_PREFIX accept pushes" >&2; status=1; continue ;;
  esac
  for protected in $DR_DRILL_PROTECTED_BRANCHES; do
    if [ "$branch" = "$protected" ]; then echo "dr-drill git server: refusing $ref: $branch is protected (production syncs it)" >&2; status=1; fi
  done
done
exit $status
`;

interface PushPolicy {
  hooksDir: string;
  prefix: string;
  protectedBranches: string[];
}

/** Splits the CGI response head (until the blank line) from the body. */
export function parseCgiHead(head: string): { status: number; headers: Array<[string, string]> } {
  let status = 200;
  const headers: Array<[string, string]> = [];
  for (const line of head.split(/\r?\n/)) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([key, value]);
  }
  return { status, headers };
}

function handle(request: IncomingMessage, response: ServerResponse, options: GitServerOptions, push: PushPolicy | undefined): void {
  const url = new URL(request.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GIT_PROJECT_ROOT: options.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: request.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: request.headers['content-type'] ?? '',
    REMOTE_ADDR: request.socket.remoteAddress ?? LOOPBACK,
    SERVER_PROTOCOL: `HTTP/${request.httpVersion}`,
  };
  if (push) {
    // http-backend serves receive-pack only when told to; the hook decides which refs it accepts.
    Object.assign(env, {
      GIT_CONFIG_COUNT: '2',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_KEY_1: 'core.hooksPath',
      GIT_CONFIG_VALUE_1: push.hooksDir,
      DR_DRILL_PUSH_PREFIX: push.prefix,
      DR_DRILL_PROTECTED_BRANCHES: push.protectedBranches.join(' '),
    });
  }
  if (request.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = request.headers['content-length'];
  if (request.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = request.headers['content-encoding'];
  const protocol = request.headers['git-protocol'];
  if (typeof protocol === 'string') env['GIT_PROTOCOL'] = protocol;

  const cgi = execa(options.git ?? 'git', ['http-backend'], { env, extendEnv: false, stdin: 'pipe', stdout: 'pipe', stderr: 'pipe', encoding: 'buffer', buffer: false, reject: false });
  let running = true;
  let stderr = '';
  cgi.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  request.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined); // git may exit before reading the whole request body
  cgi.stdout.on('error', () => undefined);
  response.on('error', () => undefined);
  response.on('close', () => {
    if (running) cgi.kill('SIGKILL'); // client went away (or the server is stopping)
  });

  let head = Buffer.alloc(0);
  let headerDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const match = /\r?\n\r?\n/.exec(text);
    if (match === null) return;
    headerDone = true;
    const { status, headers } = parseCgiHead(text.slice(0, match.index));
    response.statusCode = status;
    for (const [headerName, value] of headers) response.setHeader(headerName, value);
    const rest = head.subarray(match.index + match[0].length);
    if (rest.length > 0) response.write(rest);
  });
  void cgi.then((result) => {
    running = false;
    if (result.exitCode === undefined && result.signal === undefined) {
      if (!response.headersSent) response.statusCode = 500;
      response.end(`git http-backend failed: ${result.originalMessage ?? result.shortMessage}\n`);
      return;
    }
    if (!headerDone) {
      response.statusCode = 500;
      response.end(`git http-backend exited ${result.exitCode ?? null}: ${stderr}\n`);
      return;
    }
    response.end();
  });
}

/** Starts the server on a free port on 127.0.0.1. */
export function startGitServer(options: GitServerOptions): Promise<GitServer> {
  const push = pushPolicy(options);
  const server = createServer((request, response) => handle(request, response, options, push));
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', (error) => {
      if (push) rmSync(push.hooksDir, { recursive: true, force: true });
      reject(new DrillError('ELOCAL', `git server cannot listen on ${LOOPBACK}: ${error.message}`, { details: 'check that the loopback interface is up', cause: error }));
    });
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as AddressInfo;
      let stopped: Promise<void> | undefined;
      resolve({
        port,
        baseUrl: `http://${LOOPBACK}:${port}`,
        stop: () =>
          (stopped ??= new Promise<void>((result) => {
            server.close(() => {
              if (push) rmSync(push.hooksDir, { recursive: true, force: true });
              result();
            });
            server.closeAllConnections();
          })),
      });
    });
  });
}

function pushPolicy(options: GitServerOptions): PushPolicy | undefined {
  const prefix = options.pushableBranchPrefix;
  if (prefix === undefined) return undefined;
  if (prefix === '' || /[\s"'$`\\*?[]/.test(prefix)) {
    throw new DrillError('ELOCAL', `git server: pushableBranchPrefix ${JSON.stringify(prefix)} is not a plain branch prefix`, { details: 'use a prefix such as drill/' });
  }
  const hooksDir = mkdtempSync(path.join(tmpdir(), 'dr-drill-git-hooks-'));
  writeFileSync(path.join(hooksDir, 'pre-receive'), PRE_RECEIVE_HOOK, { mode: 0o755 });
  return { hooksDir, prefix, protectedBranches: options.protectedBranches ?? [] };
}
