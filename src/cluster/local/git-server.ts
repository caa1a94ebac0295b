/**
 * Read-only Git smart-HTTP server: a Node HTTP server on 127.0.0.1 that runs
 * `git http-backend` as a CGI program for every request.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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

function handle(request: IncomingMessage, response: ServerResponse, options: GitServerOptions): void {
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
  const server = createServer((request, response) => handle(request, response, options));
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', (error) => reject(new DrillError('ELOCAL', `git server cannot listen on ${LOOPBACK}: ${error.message}`, { details: 'check that the loopback interface is up', cause: error })));
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as AddressInfo;
      let stopped: Promise<void> | undefined;
      resolve({
        port,
        baseUrl: `http://${LOOPBACK}:${port}`,
        stop: () =>
          (stopped ??= new Promise<void>((result) => {
            server.close(() => result());
            server.closeAllConnections();
          })),
      });
    });
  });
}
