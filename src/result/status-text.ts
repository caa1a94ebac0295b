/** How a step that did not pass ended, in the words reasons use: `failed`, `timed out`, `was skipped`, ... */
import type { StepStatus } from './model.ts';

export function describeStatus(status: StepStatus | undefined): string {
  switch (status) {
    case 'failed':
      return 'failed';
    case 'timed-out':
      return 'timed out';
    case 'cancelled':
      return 'was cancelled';
    case 'skipped':
      return 'was skipped';
    case undefined:
      return 'is not in the plan';
    default:
      return 'did not run';
  }
}
