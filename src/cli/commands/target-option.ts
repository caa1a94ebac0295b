/** `--target`: checked against the target kinds the drill schema knows (loaded only when given). */
import { DrillError } from '../../util/errors.ts';
import type { TargetKind } from '../../drill/schema.ts';

export async function targetOption(value: unknown): Promise<TargetKind | undefined> {
  if (value === undefined) return undefined;
  const { TARGET_KINDS } = await import('../../drill/schema.ts');
  if (!TARGET_KINDS.includes(value as TargetKind)) throw new DrillError('EUSAGE', `unknown target "${String(value)}"`, { details: `use one of: ${TARGET_KINDS.join(', ')}` });
  return value as TargetKind;
}
