/** HTTP for real targets, with the TLS options app checks need (staging CAs, self-signed). */
import http from 'node:http';
import https from 'node:https';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import type { HttpClient, HttpRequest, HttpResponse } from '../contract/http.ts';

const MAX_BODY_BYTES = 1024 * 1024;

export function realHttp(): HttpClient {
  return {
    async request(request: HttpRequest): Promise<HttpResponse> {
      const url = new URL(request.url);
      const ca = request.caFile ? await readFile(request.caFile) : undefined;
      const started = performance.now();
      const client = url.protocol === 'https:' ? https : http;
      return new Promise<HttpResponse>((resolve, reject) => {
        const outgoing = client.request(
          url,
          {
            method: request.method ?? 'GET',
            headers: request.headers,
            signal: request.signal,
            timeout: request.timeoutMs ?? 30_000,
            ...(url.protocol === 'https:' ? { rejectUnauthorized: !request.insecureSkipVerify, ...(ca ? { ca } : {}) } : {}),
          },
          (response) => {
            const chunks: Buffer[] = [];
            let size = 0;
            response.on('data', (chunk: Buffer) => {
              size += chunk.length;
              if (size <= MAX_BODY_BYTES) chunks.push(chunk);
            });
            response.on('end', () => {
              const headers: Record<string, string> = {};
              for (const [name, value] of Object.entries(response.headers)) if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
              resolve({ status: response.statusCode ?? 0, headers, body: Buffer.concat(chunks).toString('utf8'), durationMs: performance.now() - started });
            });
            response.on('error', reject);
          },
        );
        outgoing.on('timeout', () => outgoing.destroy(new Error(`no response from ${url.host} within ${request.timeoutMs ?? 30_000}ms`)));
        outgoing.on('error', reject);
        outgoing.end(request.body);
      });
    },
  };
}
