/**
 * Every error a user can see has a stable code (defined in error-codes.ts), a one-line message
 * and details that say how to fix it. Codes are part of the public interface.
 */
import type { ErrorCode } from './error-codes.ts';

export type { ErrorCode } from './error-codes.ts';

export interface ErrorLocation {
  file: string;
  line?: number;
  column?: number;
  /** Dotted path to the field, e.g. `phases[1].steps[0].timeout`. */
  field?: string;
}

export class DrillError extends Error {
  readonly code: ErrorCode;
  readonly details: string | undefined;
  readonly location: ErrorLocation | undefined;

  constructor(code: ErrorCode, message: string, options: { details?: string; location?: ErrorLocation; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DrillError';
    this.code = code;
    this.details = options.details;
    this.location = options.location;
  }
}

/** Several problems found at once (schema validation, preflight): all are reported together. */
export class DrillErrors extends Error {
  readonly errors: DrillError[];
  constructor(errors: DrillError[]) {
    super(errors.map((error) => error.message).join('; '));
    this.name = 'DrillErrors';
    this.errors = errors;
  }
}

export function formatLocation(location: ErrorLocation | undefined): string {
  if (!location) return '';
  let text = location.file;
  if (location.line !== undefined) text += `:${location.line}`;
  if (location.line !== undefined && location.column !== undefined) text += `:${location.column}`;
  return text;
}

/** `file:line:column CODE message` then indented details, one error per block. */
export function formatError(error: unknown): string {
  if (error instanceof DrillErrors) return error.errors.map(formatError).join('\n');
  if (error instanceof DrillError) {
    const where = formatLocation(error.location);
    const field = error.location?.field ? ` (field ${error.location.field})` : '';
    const head = `${where ? `${where} ` : ''}${error.code} ${error.message}${field}`;
    return error.details ? `${head}\n${indent(error.details)}` : head;
  }
  if (error instanceof Error) return `EINTERNAL ${error.message}`;
  return `EINTERNAL ${String(error)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((line) => `  ${line}`)
    .join('\n');
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
