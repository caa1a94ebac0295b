/**
 * Read-only Git smart-HTTP server: a Node HTTP server on 127.0.0.1 that runs
 * `git http-backend` as a CGI program for every request.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
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
    const i = line.indexOf(':');
    if (i < 0) continue;
    const key = line.slice(0, i).trim();
    const value = line.slice(i + 1).trim();
    if (key.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else headers.push([key, value]);
  }
  return { status, headers };
}

function handle(req: IncomingMessage, res: ServerResponse, opts: GitServerOptions): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const env: NodeJS.ProcessEnv = {
    PATH: process.env['PATH'],
    GIT_PROJECT_ROOT: opts.projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GATEWAY_INTERFACE: 'CGI/1.1',
    REQUEST_METHOD: req.method ?? 'GET',
    PATH_INFO: decodeURIComponent(url.pathname),
    QUERY_STRING: url.search.replace(/^\?/, ''),
    CONTENT_TYPE: req.headers['content-type'] ?? '',
    REMOTE_ADDR: req.socket.remoteAddress ?? LOOPBACK,
    SERVER_PROTOCOL: `HTTP/${req.httpVersion}`,
  };
  if (req.headers['content-length'] !== undefined) env['CONTENT_LENGTH'] = req.headers['content-length'];
  if (req.headers['content-encoding'] !== undefined) env['HTTP_CONTENT_ENCODING'] = req.headers['content-encoding'];
  const proto = req.headers['git-protocol'];
  if (typeof proto === 'string') env['GIT_PROTOCOL'] = proto;

  const cgi = spawn(opts.git ?? 'git', ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  cgi.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  req.pipe(cgi.stdin);
  cgi.stdin.on('error', () => undefined); // git may exit before reading the whole request body
  cgi.stdout.on('error', () => undefined);
  res.on('error', () => undefined);
  res.on('close', () => {
    if (cgi.exitCode === null) cgi.kill('SIGKILL'); // client went away (or the server is stopping)
  });

  let head = Buffer.alloc(0);
  let headerDone = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headerDone) {
      res.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const text = head.toString('latin1');
    const m = /\r?\n\r?\n/.exec(text);
    if (m === null) return;
    headerDone = true;
    const { status, headers } = parseCgiHead(text.slice(0, m.index));
    res.statusCode = status;
    for (const [k, v] of headers) res.setHeader(k, v);
    const rest = head.subarray(m.index + m[0].length);
    if (rest.length > 0) res.write(rest);
  });
  cgi.on('error', (e) => {
    if (!res.headersSent) res.statusCode = 500;
    res.end(`git http-backend failed: ${e.message}\n`);
  });
  cgi.on('close', (code) => {
    if (!headerDone) {
      res.statusCode = 500;
      res.end(`git http-backend exited ${code}: ${stderr}\n`);
      return;
    }
    res.end();
  });
}

/** Starts the server on a free port on 127.0.0.1. */
export function startGitServer(opts: GitServerOptions): Promise<GitServer> {
  const server = createServer((req, res) => handle(req, res, opts));
  server.keepAliveTimeout = 1000;
  return new Promise((resolve, reject) => {
    server.once('error', (e) => reject(new DrillError('ELOCAL', `git server cannot listen on ${LOOPBACK}: ${e.message}`, { details: 'check that the loopback interface is up', cause: e })));
    server.listen(0, LOOPBACK, () => {
      const { port } = server.address() as AddressInfo;
      let stopped: Promise<void> | undefined;
      resolve({
        port,
        baseUrl: `http://${LOOPBACK}:${port}`,
        stop: () =>
          (stopped ??= new Promise<void>((r) => {
            server.close(() => r());
            server.closeAllConnections();
          })),
      });
    });
  });
}
