/** PATH for the local target's steps and preflight: the pinned tools (tofu) first, found by name. */
import path from 'node:path';
import { builtToolDirs } from '../../cluster/local/infra-versions.ts';

/** `searchPath` with the built pinned tools' directories in front. */
export function withLocalTools(searchPath: string | undefined, env: Record<string, string | undefined>): string {
  return [...builtToolDirs(undefined, { ...process.env, ...env } as NodeJS.ProcessEnv), searchPath ?? ''].filter(Boolean).join(path.delimiter);
}

export function localToolPath(env: Record<string, string | undefined>): string {
  return withLocalTools(env['PATH'] ?? process.env['PATH'], env);
}
