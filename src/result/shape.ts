/**
 * The shape of result.json, checked when a result is read back (`dr-drill report`, `trend`): a
 * damaged or hand-edited file is refused naming the field that is missing or wrong, instead of
 * failing somewhere inside a renderer.
 */
type Check = (value: unknown, field: string, problems: string[]) => void;

const DRILL_STATUSES = ['passed', 'failed', 'cancelled', 'error'];
const STEP_STATUSES = ['passed', 'failed', 'timed-out', 'cancelled', 'skipped', 'not-run', 'not-applicable'];
const VERDICTS = ['met', 'missed', 'not-reached', 'no-objective'];

const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`.slice(0, 60));

const string: Check = (value, field, problems) => {
  if (typeof value !== 'string') problems.push(`${field}: expected a string, found ${kindOf(value)}`);
};
const number: Check = (value, field, problems) => {
  if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${field}: expected a number, found ${kindOf(value)}`);
};
const boolean: Check = (value, field, problems) => {
  if (typeof value !== 'boolean') problems.push(`${field}: expected true or false, found ${kindOf(value)}`);
};
const oneOf =
  (values: string[]): Check =>
  (value, field, problems) => {
    if (typeof value !== 'string' || !values.includes(value)) problems.push(`${field}: expected one of ${values.join(', ')}, found ${kindOf(value)}`);
  };
const arrayOf =
  (item: Check): Check =>
  (value, field, problems) => {
    if (!Array.isArray(value)) return void problems.push(`${field}: expected an array, found ${kindOf(value)}`);
    value.forEach((element, index) => item(element, `${field}[${index}]`, problems));
  };
const record: Check = (value, field, problems) => {
  if (!value || typeof value !== 'object' || Array.isArray(value)) problems.push(`${field}: expected an object, found ${kindOf(value)}`);
};
/** Required fields, and optional ones (`?` suffix) checked when present. */
const object =
  (fields: Record<string, Check>): Check =>
  (value, field, problems) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) return void problems.push(`${field}: expected an object, found ${kindOf(value)}`);
    for (const [name, check] of Object.entries(fields)) {
      const optional = name.endsWith('?');
      const key = optional ? name.slice(0, -1) : name;
      const item = (value as Record<string, unknown>)[key];
      const path = field ? `${field}.${key}` : key;
      if (item === undefined) {
        if (!optional) problems.push(`${path}: missing`);
        continue;
      }
      check(item, path, problems);
    }
  };

const stepError = object({ code: string, message: string, 'details?': string });

const resultShape = object({
  schemaVersion: number,
  tool: object({ name: string, version: string }),
  drill: object({ name: string, file: string, scenario: string, 'description?': string }),
  run: object({ id: string, target: string, startedAt: string, endedAt: string, durationMs: number, 'timeScale?': number }),
  status: oneOf(DRILL_STATUSES),
  reason: string,
  exitCode: number,
  phases: arrayOf(object({ name: string, dependsOn: arrayOf(string), status: oneOf(STEP_STATUSES), steps: arrayOf(string) })),
  steps: arrayOf(
    object({
      id: string,
      name: string,
      kind: string,
      phase: string,
      finally: boolean,
      status: oneOf(STEP_STATUSES),
      'reason?': string,
      'startMs?': number,
      'endMs?': number,
      'durationMs?': number,
      timeoutMs: number,
      attempts: arrayOf(object({ attempt: number, startMs: number, durationMs: number, status: oneOf(STEP_STATUSES), 'error?': stepError })),
      'error?': stepError,
      outputs: record,
      'warnings?': arrayOf(string),
      'logFile?': string,
      dependsOn: arrayOf(string),
      'observedSinceMs?': number,
      'observedSinceSource?': string,
    }),
  ),
  milestones: arrayOf(object({ name: string, after: arrayOf(string), reached: boolean, 'from?': string, 'fromMs?': number, 'fromSource?': string, 'rtoMs?': number, 'objectiveMs?': number, verdict: oneOf(VERDICTS), criticalPath: arrayOf(string) })),
  rpo: arrayOf(
    object({
      dataClass: string,
      'achievedMs?': number,
      'objectiveMs?': number,
      verdict: oneOf(VERDICTS),
      samples: arrayOf(object({ stepId: string, source: string, dataTime: string, ageMs: number, 'detail?': string })),
    }),
  ),
  'errors?': arrayOf(stepError),
});

/** Every problem with the shape, as `field: what is wrong`; empty when the result is usable. */
export function resultProblems(value: unknown): string[] {
  const problems: string[] = [];
  resultShape(value, '', problems);
  return problems;
}
