/**
 * When a condition every matched object shows began: the latest of their lastTransitionTimes (the
 * last time each condition changed, so it has held since then), read strictly as RFC 3339. One
 * object without a readable time means no instant at all, never a guess.
 */
import { conditionOf, type KubeObject } from '../contract/cluster.ts';
import type { ObservedSince } from '../contract/step.ts';

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/;

/** Epoch milliseconds of an RFC 3339 timestamp (seconds or a fraction, truncated to ms), or undefined when it is not one. */
export function parseRfc3339(text: unknown): number | undefined {
  if (typeof text !== 'string') return undefined;
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const [fraction = '', utc, sign, offsetHours = '0', offsetMinutes = '0'] = match.slice(7);
  // Date.parse rolls 30 February over into March and takes 24:00; a timestamp that is not a real instant is refused.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59 || Number(offsetHours) > 23 || Number(offsetMinutes) > 59) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, second, Number(fraction.slice(0, 3).padEnd(3, '0')));
  const offsetMs = utc ? 0 : (sign === '-' ? -1 : 1) * (Number(offsetHours) * 60 + Number(offsetMinutes)) * 60_000;
  return local - offsetMs;
}

export interface AwaitedCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
}

/** `Kustomization flux-system/apps Ready lastTransitionTime`: names the instant; also what `plan` shows before the run. */
export function conditionSinceSource(kind: string, namespace: string | undefined, name: string, condition: AwaitedCondition, suffix = ''): string {
  const label = condition.status === 'True' ? condition.type : `${condition.type}=${condition.status}`;
  return `${kind} ${namespace ? `${namespace}/` : ''}${name} ${label} lastTransitionTime${suffix}`;
}

/**
 * The state "every object has the condition" began when the last of them got it. `kind` is the
 * queried kind: objects in a list response carry none.
 */
export function conditionSince(kind: string, objects: Iterable<KubeObject>, condition: AwaitedCondition): ObservedSince | undefined {
  let latest: { at: number; object: KubeObject } | undefined;
  let count = 0;
  for (const object of objects) {
    count += 1;
    const at = parseRfc3339(conditionOf(object, condition.type)?.lastTransitionTime);
    if (at === undefined) return undefined;
    if (!latest || at > latest.at) latest = { at, object };
  }
  if (!latest) return undefined;
  const { metadata } = latest.object;
  return { at: latest.at, source: conditionSinceSource(kind, metadata.namespace, metadata.name, condition, count > 1 ? ` (latest of ${count})` : '') };
}

/** `Kustomization flux-system/apps Ready lastTransitionTime: 2026-12-01T10:09:47.000Z`, for the step's log. */
export function describeSince(since: ObservedSince): string {
  return `${since.source}: ${new Date(since.at).toISOString()}`;
}
