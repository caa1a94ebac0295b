/** http.check: an app answers (status, body) through the drill cluster's ingress; retried until it does. */
import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../../util/duration.ts';
import { errorMessage } from '../../util/errors.ts';
import { duration } from '../../drill/schema.ts';
import { defineStep } from '../../contract/step.ts';

const inputs = z.strictObject({
  url: z.url(),
  method: z.string().default('GET'),
  headers: z.record(z.string(), z.string()).default({}),
  expectStatus: z.array(z.int()).default([200]),
  bodyContains: z.string().optional(),
  bodyMatches: z.string().optional().meta({ description: 'Regular expression the body must match.' }),
  insecureSkipVerify: z.boolean().default(false).meta({ description: 'Accept any certificate (staging issuers).' }),
  caFile: z.string().optional().meta({ description: 'PEM file of the CA that signed the app\'s certificate (relative to the drill file), e.g. the staging issuer\'s root.' }),
  interval: duration.default('15s').meta({ description: 'Wait between tries; the step timeout bounds the whole check.' }),
  requestTimeout: duration.default('30s'),
});

export const httpCheck = defineStep({
  kind: 'http.check',
  summary: 'HTTP check with retries until the step timeout: status, body text or pattern, TLS options',
  inputs,
  async run(context, input) {
    const pattern = input.bodyMatches ? new RegExp(input.bodyMatches) : undefined;
    let tries = 0;
    let lastProblem = '';
    for (;;) {
      tries += 1;
      let problem: string | undefined;
      try {
        const response = await context.http.request({
          url: input.url,
          method: input.method,
          headers: input.headers,
          insecureSkipVerify: input.insecureSkipVerify,
          ...(input.caFile ? { caFile: path.resolve(context.drillDir, input.caFile) } : {}),
          timeoutMs: parseDuration(input.requestTimeout),
          signal: context.signal,
        });
        if (!input.expectStatus.includes(response.status)) problem = `status ${response.status}, expected ${input.expectStatus.join(' or ')}`;
        else if (input.bodyContains && !response.body.includes(input.bodyContains)) problem = `body does not contain ${JSON.stringify(input.bodyContains)}`;
        else if (pattern && !pattern.test(response.body)) problem = `body does not match /${input.bodyMatches}/`;
        if (!problem) {
          context.log.info(`${input.method} ${input.url}: ${response.status} after ${tries} tr${tries === 1 ? 'y' : 'ies'}`);
          return { status: response.status, tries, latencyMs: Math.round(response.durationMs) };
        }
      } catch (error) {
        if (context.signal.aborted) throw new Error(`${input.url} never passed; last: ${lastProblem || errorMessage(error)}`);
        problem = errorMessage(error);
      }
      if (problem !== lastProblem) context.log.info(`${input.method} ${input.url}: ${problem}; retrying every ${input.interval}`);
      lastProblem = problem;
      try {
        await context.clock.sleep(parseDuration(input.interval), context.signal);
      } catch {
        throw new Error(`${input.url} never passed; last: ${lastProblem}`);
      }
    }
  },
});
