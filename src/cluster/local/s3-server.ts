/**
 * A local S3 service for Velero's backups: moto's server (PyPI moto[server], pinned in
 * test-infra/versions.json) on a free 127.0.0.1 port, with its buckets in memory. It plays the
 * object store that outlives a lost cluster (runbook 002: S3 storage for restic/Velero).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { requirePythonProgram } from './infra-versions.ts';
import { freePort, LOOPBACK } from './ports.ts';
import { startProcess, type ManagedProcess } from './processes.ts';
import { fatalError, waitFor } from './wait.ts';
import { DrillError } from '../../util/errors.ts';

export const MOTO_PACKAGE = 'moto[server]';
/** moto signs nothing and checks no credentials; the region is what Velero's AWS plugin asks for. */
export const S3_REGION = 'us-east-1';

/**
 * moto verifies no signature but refuses some anonymous requests (DELETE: 403): requests carry the
 * shape of a SigV4 header with a dummy signature.
 */
const UNSIGNED_AUTHORIZATION = `AWS4-HMAC-SHA256 Credential=dr-drill/20260101/${S3_REGION}/s3/aws4_request, SignedHeaders=host, Signature=0`;

export interface S3Server {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  process: ManagedProcess;
  createBucket: (bucket: string) => Promise<void>;
  /** Object keys in a bucket under a prefix (S3 ListObjectsV2). */
  listKeys: (bucket: string, prefix?: string) => Promise<string[]>;
  deleteObject: (bucket: string, key: string) => Promise<void>;
  putObject: (bucket: string, key: string, body: string) => Promise<void>;
  stop: () => Promise<void>;
  killNow: () => void;
}

export async function startS3Server(options: { dir: string; env?: NodeJS.ProcessEnv }): Promise<S3Server> {
  const env = options.env ?? process.env;
  const program = requirePythonProgram(MOTO_PACKAGE, 'moto_server', env);
  mkdirSync(options.dir, { recursive: true });
  const port = await freePort();
  const url = `http://${LOOPBACK}:${port}`;
  const managed = startProcess({ name: 'moto_server', command: program, args: ['-H', LOOPBACK, '-p', String(port)], logFile: join(options.dir, 'moto.log'), env: { ...env, PYTHONUNBUFFERED: '1' }, cwd: options.dir });
  try {
    await waitFor(
      async () => {
        if (managed.exited()) throw fatalError(`moto_server exited:\n${managed.logTail(20)}`, `see ${managed.logFile}`);
        const response = await fetch(`${url}/`).catch(() => undefined);
        return response?.ok === true ? true : undefined;
      },
      { what: `moto S3 on ${url} (log: ${managed.logFile})`, timeoutMs: 60_000, intervalMs: 250 },
    );
  } catch (error) {
    await managed.stop();
    throw error;
  }

  const request = async (method: string, path: string, body?: string): Promise<string> => {
    const response = await fetch(`${url}${path}`, { method, headers: { authorization: UNSIGNED_AUTHORIZATION }, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    if (!response.ok) throw new DrillError('ELOCAL', `S3 ${method} ${path} on ${url}: HTTP ${response.status}`, { details: text.slice(0, 1000) });
    return text;
  };
  const objectPath = (bucket: string, key: string): string => `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`;
  return {
    url,
    port,
    process: managed,
    createBucket: async (bucket) => void (await request('PUT', `/${bucket}`)),
    async listKeys(bucket, prefix = '') {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const query = new URLSearchParams({ 'list-type': '2', prefix, ...(token ? { 'continuation-token': token } : {}) });
        const xml = await request('GET', `/${bucket}?${query.toString()}`);
        keys.push(...[...xml.matchAll(/<Key>([^<]*)<\/Key>/g)].map((match) => decodeXml(match[1]!)));
        token = /<IsTruncated>true<\/IsTruncated>/.test(xml) ? /<NextContinuationToken>([^<]*)</.exec(xml)?.[1] : undefined;
      } while (token !== undefined);
      return keys;
    },
    deleteObject: async (bucket, key) => void (await request('DELETE', objectPath(bucket, key))),
    putObject: async (bucket, key, body) => void (await request('PUT', objectPath(bucket, key), body)),
    stop: () => managed.stop(),
    killNow: () => managed.killNow(),
  };
}

function decodeXml(text: string): string {
  return text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}
