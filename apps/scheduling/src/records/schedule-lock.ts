import type { BookableResource } from '../appointments/appointment.entity';

/**
 * The advisory lock keys that serialise, until the transaction ends, the scheduling of the given
 * patients' records (so two records handled at the same moment cannot both see room under a
 * per-patient bound and together exceed it) and the booking of the given resources (so two
 * batches never search the same free slots and trip over each other's inserts). Taken before
 * anything is read (with the batch's claims, `runBatchOnce`'s `locks`): every transaction locks its
 * patients in ascending id order, then its resources in ascending order, so two batches sharing
 * patients or resources wait on each other in one order and never deadlock. The patient key is
 * the one a single record has always taken.
 */
export function scheduleLockKeys(
  patientIds: readonly string[],
  resources: readonly BookableResource[],
): string[] {
  return [
    ...[...new Set(patientIds)].sort().map((id) => `scheduling:${id}`),
    ...[...new Set(resources)].sort().map((resource) => `scheduling-resource:${resource}`),
  ];
}
