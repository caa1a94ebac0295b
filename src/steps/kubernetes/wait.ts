/**
 * k8s.wait: wait until an object (or every object matching a selector) has a condition, or a
 * JSONPath value: the ingress Service has a LoadBalancer IP, the ClusterIssuer is Ready, a PVC is
 * Bound, a Deployment is Available; or until no object matches (absent: a pruned Deployment).
 * A condition wait reports when that state began by the objects' own lastTransitionTime.
 */
import { z } from 'zod';
import { conditionOf, type Condition, type KubeObject } from '../../contract/cluster.ts';
import { evaluateJsonPath } from '../../kube/jsonpath.ts';
import { waitForObjects } from '../../kube/wait.ts';
import { conditionSince, conditionSinceSource, describeSince } from '../../kube/condition-since.ts';
import { withHeartbeat } from '../heartbeat.ts';
import { defineStep, withObservedSince, type ObservedSince } from '../../contract/step.ts';
import { DrillError } from '../../util/errors.ts';

const inputs = z
  .strictObject({
    apiVersion: z.string().meta({ examples: ['v1', 'apps/v1', 'cert-manager.io/v1'] }),
    kind: z.string(),
    name: z.string().optional().meta({ description: 'One object; without it every object matching namespace/labelSelector must pass.' }),
    namespace: z.string().optional(),
    labelSelector: z.string().optional(),
    condition: z.strictObject({ type: z.string(), status: z.enum(['True', 'False', 'Unknown']).default('True') }).optional().meta({ description: 'The step then reports when the state began: the latest lastTransitionTime of the condition among the matched objects (a milestone measured from the step counts from it). With jsonPath too, that value must change with the condition (Flux sets lastAppliedRevision as it marks Ready).' }),
    jsonPath: z.string().optional().meta({ description: 'e.g. .status.loadBalancer.ingress[0].ip' }),
    equals: z.string().optional().meta({ description: 'The JSONPath value must equal this; without equals/matches it must merely exist.' }),
    matches: z.string().optional().meta({ description: 'The JSONPath value must match this regular expression.' }),
    minCount: z.int().min(1).optional().meta({ description: 'At least this many objects must match (each passing): a replacement pod not created yet cannot make the check pass early.' }),
    absent: z.boolean().default(false).meta({ description: 'Wait until no object matches (a Deployment Flux pruned); takes no condition or jsonPath.' }),
  })
  .refine((value) => (value.absent ? !value.condition && !value.jsonPath : value.condition || value.jsonPath), { error: 'give condition: or jsonPath:, or absent: true alone' });

export const kubernetesWait = defineStep({
  kind: 'k8s.wait',
  summary: 'wait for a Kubernetes object condition or JSONPath value (LB IP assigned, ClusterIssuer Ready, PVC Bound, ...)',
  inputs,
  async run(context, input) {
    const cluster = await context.cluster();
    const pattern = input.matches ? new RegExp(input.matches) : undefined;
    const describe = (object: KubeObject) => `${input.kind}/${object.metadata.namespace ? `${object.metadata.namespace}/` : ''}${object.metadata.name}`;
    const passes = (object: KubeObject): { ok: boolean; value: unknown } => {
      if (input.condition) {
        const condition = conditionOf(object, input.condition.type);
        if (condition?.status !== input.condition.status) return { ok: false, value: condition ? `${condition.status} (${condition.reason ?? ''}: ${condition.message ?? ''})` : withoutCondition(object, input.condition.type) };
      }
      if (!input.jsonPath) return { ok: true, value: input.condition ? input.condition.status : undefined };
      const value = evaluateJsonPath(object, input.jsonPath);
      const text = value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
      if (text === undefined || text === '') return { ok: false, value: 'absent' };
      if (input.equals !== undefined && text !== input.equals) return { ok: false, value: text };
      if (pattern && !pattern.test(text)) return { ok: false, value: text };
      return { ok: true, value: text };
    };
    const lastSeen = new Map<string, string>();
    const waitingFor = () => (lastSeen.size === 0 ? `${input.kind}${input.name ? ` ${input.name}` : ''}: not found yet` : [...lastSeen.values()].join('; '));
    const result = await withHeartbeat(context, waitingFor, () => waitForObjects<{ values: Record<string, unknown>; since?: ObservedSince | undefined }>(
      cluster,
      { apiVersion: input.apiVersion, kind: input.kind, ...(input.namespace ? { namespace: input.namespace } : {}), ...(input.name ? { name: input.name } : {}), ...(input.labelSelector ? { labelSelector: input.labelSelector } : {}) },
      (view) => {
        if (input.absent) {
          const present = [...view.values()].map(describe).join(', ');
          if (present !== '' && lastSeen.get('absent') !== present) {
            context.log.info(`still present: ${present}`);
            lastSeen.set('absent', `still present: ${present}`);
          }
          return present === '' ? { values: {} } : undefined;
        }
        if (view.size === 0) return undefined;
        if (input.minCount !== undefined && view.size < input.minCount) {
          const counted = `${view.size} of at least ${input.minCount} ${input.kind} objects`;
          if (lastSeen.get('count') !== counted) context.log.info(counted);
          lastSeen.set('count', counted);
        } else lastSeen.delete('count');
        const values: Record<string, unknown> = {};
        let allPass = true;
        for (const object of view.values()) {
          const verdict = passes(object);
          const summary = `${describe(object)}: ${String(verdict.value)}`;
          if (lastSeen.get(describe(object)) !== summary) {
            context.log.info(summary);
            lastSeen.set(describe(object), summary);
          }
          values[object.metadata.name] = verdict.value;
          allPass &&= verdict.ok;
        }
        if (!allPass || (input.minCount !== undefined && view.size < input.minCount)) return undefined;
        return { values, since: input.condition ? conditionSince(input.kind, view.values(), input.condition) : undefined };
      },
      { signal: context.signal, clock: context.clock, log: context.log },
    ).catch((error: unknown) => {
      // Stopped (its timeout): what the object last said (a condition's reason and message) is the reason a person needs.
      if (context.signal.aborted) throw new DrillError('ESTEPFAILED', `not reached: ${waitingFor()}`, { cause: error });
      throw error;
    }));
    if (input.absent) {
      context.log.info(`${input.kind}${input.name ? ` ${input.name}` : ''}: none left`);
      return { absent: true };
    }
    const values = Object.values(result.values);
    if (result.since) context.log.info(describeSince(result.since));
    return withObservedSince(input.name ? { value: values[0] } : { values: result.values }, result.since);
  },
  observedSince: (input) => (input.condition?.type && input.kind ? conditionSinceSource(input.kind, input.namespace, input.name ?? '*', { type: input.condition.type, status: input.condition.status ?? 'True' }, input.name ? '' : ' (latest)') : undefined),
});

/** An object that lacks the awaited condition, by what its other conditions say is wrong (a Pending pod: the scheduler's reason). */
function withoutCondition(object: KubeObject, type: string): string {
  const conditions = (Array.isArray(object.status?.conditions) ? object.status.conditions : []) as Condition[];
  const wrong = conditions.filter((condition) => condition?.status === 'False' || condition?.status === 'Unknown');
  const phase = typeof object.status?.phase === 'string' ? `${object.status.phase}, ` : '';
  return `${phase}no ${type} condition${wrong.map((condition) => `; ${condition.type} ${condition.status} (${condition.reason ?? ''}: ${condition.message ?? ''})`).join('')}`;
}
