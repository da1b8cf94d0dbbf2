import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import type { BatchStatement } from '@app/platform';
import { Prescription, type PrescriptionStatus } from './prescription.entity';
import type { RejectionReason } from './prescription-rules';

/** A prescription as the rules make it: everything but what the database assigns. */
export type NewPrescription = Omit<Prescription, 'id' | 'createdAt' | 'fills'>;

/** A row {@link PrescriptionRepository.insertForClaimed} wrote, as the statement returns it. */
export interface WrittenPrescription {
  readonly event_id: string;
  readonly record_id: string;
  readonly status: PrescriptionStatus;
  readonly rejection_reason: RejectionReason | null;
}

/** Fills in the order dispensed. */
const FILL_ORDER = { filledAt: 'ASC', recordedAt: 'ASC' } as const;

/** Where prescriptions are stored and read (with their fills): the queries, no rules. */
@Injectable()
export class PrescriptionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The insert of prescriptions, as the effect of the statement that claims their events
   * (`runBatchOnceInOneStatement`): only those of events claimed now are written, and none of a
   * record that has prescriptions already (re-published under another event id: its medications
   * must not be sent twice; the UNIQUE (record_id, position) backs this up). Rows go as one JSON
   * record set shaped like the table. Its rows (`WrittenPrescription`) say what was written.
   */
  insertForClaimed(rows: readonly NewPrescription[]): BatchStatement {
    const metadata = this.dataSource.getMetadata(Prescription);
    // Every column the rules set: all but those the database assigns (id, created_at).
    const columns = metadata.columns.filter((column) => !column.isGenerated && !column.isCreateDate);
    const names = columns.map((column) => column.databaseName).join(', ');
    const json = rows.map((row) =>
      Object.fromEntries(
        columns.map((column) => [column.databaseName, column.getEntityValue(row) as unknown]),
      ),
    );
    return {
      with: `prescription AS (
       INSERT INTO prescriptions (${names})
       SELECT ${names} FROM json_populate_recordset(NULL::prescriptions, $1::json) AS r
        WHERE r.event_id IN (SELECT event_id FROM claimed)
          AND NOT EXISTS (SELECT 1 FROM prescriptions p WHERE p.record_id = r.record_id)
       RETURNING event_id, record_id, status, rejection_reason)`,
      parameters: [JSON.stringify(json)],
      returning: 'prescription',
    };
  }

  /** One prescription, its row locked (`SELECT ... FOR UPDATE`) until the caller's transaction ends. */
  async lockById(manager: EntityManager, id: string): Promise<Prescription | null> {
    return manager.findOne(Prescription, { where: { id }, lock: { mode: 'pessimistic_write' } });
  }

  /** A patient's prescriptions, newest record first, each with its fills in the order dispensed. */
  async byPatient(patientId: string): Promise<Prescription[]> {
    return this.dataSource.getRepository(Prescription).find({
      where: { patientId },
      relations: { fills: true },
      order: { createdAt: 'DESC', recordId: 'ASC', position: 'ASC', fills: FILL_ORDER },
    });
  }

  /** One prescription with its fills in the order dispensed, or null. */
  async byId(id: string): Promise<Prescription | null> {
    return this.dataSource.getRepository(Prescription).findOne({
      where: { id },
      relations: { fills: true },
      order: { fills: FILL_ORDER },
    });
  }

  /**
   * The `limit` newest prescriptions of one pharmacy (of one status, if given), each with its
   * fills in the order dispensed. Two queries: the page of ids first, then the rows with their
   * fills, as `take` over a join with ordered fills would page over (prescription, fill) pairs.
   */
  async forPharmacy(
    pharmacyId: string,
    filter: { readonly status?: PrescriptionStatus; readonly limit: number },
  ): Promise<Prescription[]> {
    const repository = this.dataSource.getRepository(Prescription);
    const order = { createdAt: 'DESC', recordId: 'ASC', position: 'ASC' } as const;
    const page = await repository.find({
      select: { id: true },
      where: { pharmacyId, ...(filter.status ? { status: filter.status } : {}) },
      order,
      take: filter.limit,
    });
    if (page.length === 0) return [];
    return repository.find({
      where: { id: In(page.map((p) => p.id)) },
      relations: { fills: true },
      order: { ...order, fills: FILL_ORDER },
    });
  }
}
