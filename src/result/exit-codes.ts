/** Exit codes of `dr-drill run`, decided in one place and documented in the README. */
export const EXIT = {
  /** Every step passed and every objective was met. */
  passed: 0,
  /** A step (or a teardown step) failed or timed out. */
  stepFailed: 1,
  /** All steps passed but an RTO or RPO objective was missed or not measured. */
  objectiveMissed: 2,
  /** The drill file, a flag, a tool or a credential is wrong; nothing was provisioned. */
  invalidInput: 3,
  /** dr-drill itself crashed; the partial result says how far it got. */
  internalError: 4,
  /** Cancelled by SIGINT/SIGTERM (a cancelled CI job); teardown ran. */
  cancelled: 130,
} as const;
