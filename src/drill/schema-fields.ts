/** Field types shared by the drill schema: names, durations and their limits, environment variable names. */
import { z } from 'zod';
import { DURATION_JSON_PATTERN, isDuration, parseDuration } from '../util/duration.ts';

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const name = z
  .string()
  .regex(NAME_PATTERN, { error: 'use lowercase letters, digits and dashes, starting and ending with a letter or digit (e.g. "flux-apps")' })
  .max(63);

export const duration = z
  .string()
  .refine(isDuration, { error: 'write a duration like 90s, 30m, 4h or 1h30m' })
  // The refine above gives the message; the pattern carries the same rule into drills/schema.json.
  .meta({ pattern: DURATION_JSON_PATTERN, description: 'A duration: a number and a unit (ms, s, m, h, d), e.g. 90s, 30m, 4h, 1h30m.', examples: ['30m', '4h'] });

/**
 * Limits on durations, checked by `validate`: a step timeout is above zero and at most 7 days
 * (timers of 2^31 ms, 24.8 days, or more fire at once), a retry delay at most 1 hour, an objective
 * above zero and at most 365 days (a larger one is a typo, not an objective).
 */
export const MAX_STEP_TIMEOUT = '7d';
export const MAX_RETRY_DELAY = '1h';
export const MAX_OBJECTIVE = '365d';

function boundedDuration(what: string, options: { max: string; allowZero?: boolean }) {
  const maxMs = parseDuration(options.max);
  return duration
    .refine((text) => !isDuration(text) || options.allowZero || parseDuration(text) > 0, { error: `${what} must be above zero` })
    .refine((text) => !isDuration(text) || parseDuration(text) <= maxMs, { error: (issue) => `${what} of ${String(issue.input)} is above the maximum of ${options.max}` });
}

export const stepTimeout = boundedDuration('a step timeout', { max: MAX_STEP_TIMEOUT }).meta({ description: `Each attempt is aborted after this long; above zero, at most ${MAX_STEP_TIMEOUT}.` });
export const retryDelay = boundedDuration('a retry delay', { max: MAX_RETRY_DELAY, allowZero: true });
export const objective = boundedDuration('an objective', { max: MAX_OBJECTIVE });

export const envName = z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name, e.g. GITLAB_TOKEN' });
