import type { EntityManager } from 'typeorm';

/**
 * Serialises the scheduling of one patient's records until the transaction ends
 * (`pg_advisory_xact_lock`), so that two records handled at the same moment cannot both see
 * room under a per-patient bound and together exceed it. Taken once per transaction, before
 * any slot is claimed: transactions wait on a patient first, then on slots in ascending order,
 * so the lock adds no deadlock.
 */
export async function lockPatientSchedule(manager: EntityManager, patientId: string): Promise<void> {
  await manager.query("SELECT pg_advisory_xact_lock(hashtextextended('scheduling:' || $1, 0))", [patientId]);
}
