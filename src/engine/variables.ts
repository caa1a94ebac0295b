/** The drill's `variables`, expanded once per run; one that cannot be expanded fails only the steps that use it. */
import { expand, UnresolvedReferenceError, type Scope } from '../drill/expressions.ts';

export function expandVariables(variables: Record<string, string>, scope: Scope): { values: Record<string, string>; errors: Map<string, string> } {
  const values: Record<string, string> = {};
  const errors = new Map<string, string>();
  for (const [name, value] of Object.entries(variables)) {
    try {
      values[name] = String(expand(value, scope));
    } catch (error) {
      if (!(error instanceof UnresolvedReferenceError)) throw error;
      errors.set(name, error.message);
    }
  }
  return { values, errors };
}
