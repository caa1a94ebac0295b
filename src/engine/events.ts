/**
 * Progress events, a union keyed by `kind`. Reporters subscribe; the engine never prints.
 * Offsets (`atMs`) are drill milliseconds after T0.
 */
import type { StepError, StepStatus, DrillStatus } from '../result/model.ts';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export type DrillEvent =
  | { kind: 'drill.started'; atMs: 0; drill: string; target: string; runId: string; t0: string; steps: number }
  | { kind: 'step.started'; atMs: number; stepId: string; name: string; phase: string; attempt: number; finally: boolean; standIn?: string }
  | { kind: 'step.log'; atMs: number; stepId: string; level: LogLevel; message: string }
  | { kind: 'step.progress'; atMs: number; stepId: string; state: string }
  | { kind: 'step.retrying'; atMs: number; stepId: string; attempt: number; delayMs: number; error: StepError }
  | { kind: 'step.finished'; atMs: number; stepId: string; status: StepStatus; durationMs: number; error?: StepError; finally: boolean }
  | { kind: 'step.skipped'; atMs: number; stepId: string; status: StepStatus; reason: string }
  | { kind: 'milestone.reached'; atMs: number; name: string }
  | { kind: 'rpo.sampled'; atMs: number; stepId: string; dataClass: string; ageMs: number; source: string }
  | { kind: 'drill.cancelling'; atMs: number; reason: string }
  | { kind: 'finally.started'; atMs: number; steps: number }
  | { kind: 'drill.finished'; atMs: number; status: DrillStatus; reason: string };

export type EventKind = DrillEvent['kind'];
export type EventOf<K extends EventKind> = Extract<DrillEvent, { kind: K }>;
export type EventListener = (event: DrillEvent) => void;
