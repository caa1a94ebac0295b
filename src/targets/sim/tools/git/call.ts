/** One simulated git invocation after its global options, and the errors every subcommand can answer with. */
import type { SimClone } from '../../world.ts';
import type { ToolInvocation } from '../types.ts';

export interface GitCall {
  call: ToolInvocation;
  rest: string[];
  clone: SimClone | undefined;
  repoDir: string | undefined;
  config: Record<string, string>;
}

export function unreachable(call: ToolInvocation, url: string | undefined): number {
  let host = url ?? '';
  try {
    host = new URL(url ?? '').host;
  } catch {
    // not a URL: name it as given
  }
  call.err(`fatal: unable to access '${url ?? ''}/': Could not resolve host: ${host}`);
  return 128;
}

export function notARepository(call: ToolInvocation): number {
  call.err('fatal: not a git repository (or any of the parent directories): .git');
  return 128;
}
