import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { In, type DataSource, type EntityManager } from 'typeorm';
import { Prescription, type PrescriptionStatus } from './prescription.entity';

/** A prescription as the rules make it: everything but what the database assigns. */
export type NewPrescription = Omit<Prescription, 'id' | 'createdAt' | 'fills'>;

/** Fills in the order dispensed. */
const FILL_ORDER = { filledAt: 'ASC', recordedAt: 'ASC' } as const;

/** Where prescriptions are stored and read (with their fills): the queries, no rules. */
@Injectable()
export class PrescriptionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Whether a record has prescriptions already, inside the caller's transaction. */
  async existsForRecord(manager: EntityManager, recordId: string): Promise<boolean> {
    return manager.exists(Prescription, { where: { recordId } });
  }

  /** Saves a record's prescriptions inside the caller's transaction. */
  async insertAll(manager: EntityManager, rows: readonly NewPrescription[]): Promise<Prescription[]> {
    return manager.save(rows.map((row) => manager.create(Prescription, row)));
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
