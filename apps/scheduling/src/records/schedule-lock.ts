import type { EntityManager } from 'typeorm';
import type { BookableResource } from '../appointments/appointment.entity';

/**
 * Serialises, until the transaction ends (`pg_advisory_xact_lock`), the scheduling of the given
 * patients' records (so two records handled at the same moment cannot both see room under a
 * per-patient bound and together exceed it) and the booking of the given resources (so two
 * batches never search the same free slots and trip over each other's inserts). One query, taken
 * before anything is read: every transaction locks its patients in ascending id order, then its
 * resources in ascending order, so two batches sharing patients or resources wait on each other
 * in one order and never deadlock. The patient key is the one a single record has always taken.
 */
export async function lockSchedules(
  manager: EntityManager,
  patientIds: readonly string[],
  resources: readonly BookableResource[],
): Promise<void> {
  const keys = [
    ...[...new Set(patientIds)].sort().map((id) => `scheduling:${id}`),
    ...[...new Set(resources)].sort().map((resource) => `scheduling-resource:${resource}`),
  ];
  if (keys.length === 0) return;
  // The sub-select's ORDER BY fixes the order the locks are taken in.
  await manager.query(
    `SELECT count(pg_advisory_xact_lock(hashtextextended(key, 0)))::int AS locked
       FROM (SELECT key FROM unnest($1::text[]) WITH ORDINALITY AS k(key, n) ORDER BY n) AS ordered`,
    [keys],
  );
}
