/**
 * A step's preflight needs, from the declaration its kind makes beside its input schema. Inputs are
 * those known before the run: each field is parsed on its own, so defaults fill in what the drill
 * leaves out while a field that depends on the run keeps what is known of it.
 */
import type { z } from 'zod';
import type { StepRegistry } from '../drill/plan.ts';
import type { PreflightNeeds, StepKind } from '../contract/step.ts';
import type { ValuePath } from './values.ts';

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: z.ZodType[];
}

const defOf = (schema: z.ZodType): SchemaDef => (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'nonoptional', 'readonly', 'catch']);

function unwrap(schema: z.ZodType): z.ZodType {
  let node = schema;
  for (let def = defOf(node); WRAPPERS.has(def.type) || def.type === 'pipe'; def = defOf(node)) node = (def.type === 'pipe' ? def.in : def.innerType)!;
  return node;
}

export function knownInputs(kind: StepKind, raw: Record<string, unknown>): Record<string, unknown> {
  const shape = defOf(unwrap(kind.inputs)).shape;
  if (!shape) {
    const parsed = kind.inputs.safeParse(raw);
    return parsed.success ? (parsed.data as Record<string, unknown>) : raw;
  }
  const known: Record<string, unknown> = { ...raw };
  for (const [field, schema] of Object.entries(shape)) {
    const parsed = schema.safeParse(raw[field]);
    if (parsed.success && parsed.data !== undefined) known[field] = parsed.data;
  }
  return known;
}

export function needsOf(registry: StepRegistry, kindName: string, raw: Record<string, unknown>): PreflightNeeds {
  const kind = registry.get(kindName);
  if (!kind?.preflight) return {};
  return kind.preflight(knownInputs(kind, raw) as Parameters<NonNullable<StepKind['preflight']>>[0]);
}

/** Whether the kind's schema types the input at this path as a number (a count, a status code): such numbers are not VM IDs. */
export function typedNumberIn(kind: StepKind | undefined): (at: ValuePath) => boolean {
  return (at) => {
    if (!kind) return false;
    const nodes = [...at].reduce<z.ZodType[]>((current, part) => current.flatMap((node) => childrenOf(node, part)), [kind.inputs]);
    return nodes.length > 0 && nodes.every((node) => defOf(unwrap(node)).type === 'number');
  };
}

function childrenOf(schema: z.ZodType, part: string | number): z.ZodType[] {
  const node = unwrap(schema);
  const def = defOf(node);
  if (def.type === 'union') return (def.options ?? []).flatMap((option) => childrenOf(option, part));
  if (def.type === 'object' && typeof part === 'string') return def.shape?.[part] ? [def.shape[part]] : [];
  if (def.type === 'array' && typeof part === 'number') return def.element ? [def.element] : [];
  if (def.type === 'record') return def.valueType ? [def.valueType] : [];
  return [];
}
