/** How every report and `plan` word the start of a milestone measured from a step: one wording, so they all say the same. */

/** ` from <step>`, with ` (<source>)` when the start is an instant the awaited object recorded (`Kustomization flux-system/apps Ready lastTransitionTime`). */
export function countedFrom(step: string, source: string | undefined): string {
  return ` from ${step}${source ? ` (${source})` : ''}`;
}
