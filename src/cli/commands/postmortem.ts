/** `dr-drill postmortem`: the closing report of runbook 002 from a result: post-mortem and CHANGELOG entry. */
import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { EXIT } from '../../result/exit-codes.ts';
import { DrillError } from '../../util/errors.ts';
import { onePositional, type CommandSpec } from '../args.ts';
import type { Command } from '../io.ts';

export const spec: CommandSpec = {
  name: 'postmortem',
  summary: 'render the post-mortem and the CHANGELOG entry of a run; --append adds the entry to docs/CHANGELOG.md',
  synopsis: '<result.json> [--out DIR] [--append FILE]',
  options: {
    out: { type: 'string', value: 'DIR', description: 'where postmortem.md and changelog-entry.md go (default: next to the result)' },
    append: { type: 'string', value: 'FILE', description: 'an existing changelog (e.g. docs/CHANGELOG.md) to add the entry to; the rest of it stays byte for byte' },
  },
  examples: ['dr-drill postmortem reports/result.json', 'dr-drill postmortem reports/result.json --append docs/CHANGELOG.md'],
};

export const command: Command = {
  spec,
  async run(parsed, io) {
    const file = onePositional(parsed, spec, 'result.json');
    const [{ readResult }, { renderPostmortem, renderChangelogEntry, insertChangelogEntry }, { REPORT_FILES }, { Masker }] = await Promise.all([
      import('../../result/io.ts'),
      import('../../report/postmortem.ts'),
      import('../../report/write.ts'),
      import('../../util/mask.ts'),
    ]);
    const result = await readResult(file);
    const masker = new Masker();
    masker.addFromEnvironment(io.env);
    const outDir = (parsed.values.out as string | undefined) ?? path.dirname(file);
    await mkdir(outDir, { recursive: true });
    const entry = masker.mask(renderChangelogEntry(result));
    const written = [path.join(outDir, REPORT_FILES.postmortem), path.join(outDir, REPORT_FILES.changelog)];
    await writeFile(written[0]!, masker.mask(renderPostmortem(result)));
    await writeFile(written[1]!, entry);
    const append = parsed.values.append as string | undefined;
    if (append) {
      let existing: string;
      try {
        existing = await readFile(append, 'utf8');
      } catch (error) {
        throw new DrillError('EUSAGE', `cannot read the changelog ${append}`, { details: `${(error as NodeJS.ErrnoException).code ?? 'error'}: --append adds to an existing file; create it first (e.g. "# Changelog")`, cause: error });
      }
      await writeFile(append, insertChangelogEntry(existing, entry));
      written.push(append);
    }
    io.stdout(`written: ${written.join(', ')}`);
    return EXIT.passed;
  },
};
