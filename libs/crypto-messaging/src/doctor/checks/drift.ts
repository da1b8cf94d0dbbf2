import { pass, warn, type Verdict } from '../engine';

/** The diff provisioning would apply, as a verdict: a warning naming what differs. */
export function driftVerdict(changes: readonly string[], asPlanned: string): Verdict {
  return changes.length === 0 ? pass(asPlanned) : warn(`differs from the plan: ${changes.join(', ')}`);
}
