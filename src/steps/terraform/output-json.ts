/**
 * Reads `terraform output -json` / `tofu output -json`. The CLI may print diagnostics on stdout
 * before the JSON (OpenTofu's "Unable to open CLI configuration file" warning box, for one): the
 * JSON is the object that starts at the first line opening with "{" and runs to the end.
 */
export interface TerraformOutput {
  sensitive: boolean;
  type: unknown;
  value: unknown;
}

export type OutputParse = { ok: true; outputs: Record<string, TerraformOutput>; preamble: string } | { ok: false };

export function parseOutputJson(stdout: string): OutputParse {
  const lines = stdout.split('\n');
  for (let start = 0; start < lines.length; start++) {
    if (!lines[start]!.trimStart().startsWith('{')) continue;
    try {
      const parsed = JSON.parse(lines.slice(start).join('\n')) as unknown;
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) continue;
      return { ok: true, outputs: parsed as Record<string, TerraformOutput>, preamble: lines.slice(0, start).join('\n').trim() };
    } catch {
      // a "{" inside the diagnostics: try the next candidate
    }
  }
  return { ok: false };
}
