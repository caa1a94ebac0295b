/** Which programs the plan needs (as its steps' kinds declare them), and that each answers its version command. */
import path from 'node:path';
import type { PlannedStep } from '../drill/plan.ts';
import type { PreflightContext } from './context.ts';
import { inputAt } from './context.ts';

/** How each program prints its version without contacting a server. */
export const VERSION_ARGS: Record<string, string[]> = {
  terraform: ['version'],
  tofu: ['version'],
  talosctl: ['version', '--client'],
  flux: ['version', '--client'],
  velero: ['version', '--client-only'],
  restic: ['version'],
  git: ['--version'],
  kubectl: ['version', '--client'],
  task: ['--version'],
  talhelper: ['--version'],
  sops: ['--version'],
  age: ['--version'],
  helm: ['version', '--short'],
};

interface Requirement {
  /** Any one of these will do (terraform or tofu). */
  programs: string[];
  neededBy: string;
  step?: PlannedStep;
}

/** The programs each step's kind declares it runs, then those of preflight.tools. */
export function requiredTools(context: PreflightContext): Requirement[] {
  const requirements: Requirement[] = [];
  for (const step of context.steps) {
    const needs = context.needsOf(step);
    // A relative program path (./scripts/restore.sh) runs from the step's working directory.
    const cwd = path.resolve(context.plan.drillDir, needs.cwd ?? '.');
    for (const tool of needs.tools ?? []) {
      const programs = (typeof tool === 'string' ? [tool] : (tool ?? [])).filter((program) => program.length > 0);
      if (programs.length > 0) requirements.push({ programs: programs.map((program) => (program.includes('/') ? path.resolve(cwd, program) : program)), neededBy: `step "${step.id}" (${step.kind})`, step });
    }
  }
  for (const tool of context.plan.drill.preflight?.tools ?? []) requirements.push({ programs: [tool], neededBy: 'preflight.tools' });
  return requirements;
}

export async function checkTools(context: PreflightContext): Promise<void> {
  const seen = new Map<string, Promise<string | undefined>>();
  const usedBy = new Map<string, { requirement: Requirement; users: string[] }>();
  for (const requirement of requiredTools(context)) {
    const key = requirement.programs.join('|');
    const entry = usedBy.get(key);
    if (entry) entry.users.push(requirement.neededBy);
    else usedBy.set(key, { requirement, users: [requirement.neededBy] });
  }
  for (const { requirement, users } of usedBy.values()) {
    let found: { program: string; path: string } | undefined;
    for (const program of requirement.programs) {
      if (!seen.has(program)) seen.set(program, context.shell.which(program));
      const where = await seen.get(program)!;
      if (where) {
        found = { program, path: where };
        break;
      }
    }
    const location = requirement.step ? inputAt(context, requirement.step) : context.locate(['preflight', 'tools']);
    if (!found) {
      context.problem('EPREFLIGHT', `${requirement.programs.join(' or ')} is not installed (needed by ${users.join(', ')})`, `install ${requirement.programs.join(' or ')} and put it on PATH${requirement.programs.includes('restic') ? ' (Debian: apt-get install restic)' : ''}`, location);
      continue;
    }
    const versionArgs = VERSION_ARGS[path.basename(found.program)];
    if (!versionArgs) {
      context.note('tools', `${found.program} (${found.path})`);
      continue;
    }
    const result = await context.shell.run(found.program, versionArgs, { allowFailure: true, signal: AbortSignal.any([context.signal, AbortSignal.timeout(30_000)]), input: '' }).catch((error: Error) => ({ exitCode: -1, stdout: '', stderr: error.message }));
    if (result.exitCode !== 0) {
      const said = (result.stderr.trim() || result.stdout.trim()).split('\n').at(-1) ?? '';
      context.problem('EPREFLIGHT', `${found.program} ${versionArgs.join(' ')} failed with exit code ${result.exitCode} (${found.path})`, `${said ? `it said: ${said}\n` : ''}reinstall ${found.program} or fix PATH`, location);
      continue;
    }
    context.note('tools', `${found.program} ${versionOf(`${result.stdout}\n${result.stderr}`)} (${found.path})`);
  }
}

/** The first version number in a version command's output (talosctl prints "Client:" first). */
export function versionOf(output: string): string {
  return /\bv?\d+\.\d+(?:\.\d+)?(?:[-+][\w.]+)?/.exec(output)?.[0] ?? (output.trim().split('\n')[0] ?? '').trim();
}
