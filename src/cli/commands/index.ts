/** Every command, in the order `dr-drill --help` lists them. Command modules load their heavy parts only when run. */
import type { Command } from '../io.ts';
import { command as kinds } from './kinds.ts';
import { command as metrics } from './metrics.ts';
import { command as plan } from './plan.ts';
import { command as postmortem } from './postmortem.ts';
import { command as report } from './report.ts';
import { command as run } from './run.ts';
import { command as schema } from './schema.ts';
import { command as teardown } from './teardown.ts';
import { command as trend } from './trend.ts';
import { command as validate } from './validate.ts';

export const COMMANDS: ReadonlyMap<string, Command> = new Map([run, teardown, plan, validate, report, postmortem, trend, metrics, schema, kinds].map((command) => [command.spec.name, command]));
