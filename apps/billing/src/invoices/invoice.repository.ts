import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { InvoiceLine } from './invoice-line.entity';
import { Invoice } from './invoice.entity';

/** A new invoice as Billing's rules make it: everything but what the database assigns. */
export type NewInvoice = Omit<Invoice, 'id' | 'createdAt' | 'lines'> & {
  readonly lines: ReadonlyArray<Omit<InvoiceLine, 'id' | 'invoice' | 'position'>>;
};

/** Where invoices (with their lines) are stored and read: the queries, no billing rules. */
@Injectable()
export class InvoiceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Saves an invoice and its lines (numbered in order) inside the caller's transaction. */
  async insert(manager: EntityManager, invoice: NewInvoice): Promise<Invoice> {
    return manager.save(
      manager.create(Invoice, {
        ...invoice,
        lines: invoice.lines.map((line, position) => manager.create(InvoiceLine, { ...line, position })),
      }),
    );
  }

  /** A patient's invoices, newest first, lines in order. */
  async byPatient(patientId: string): Promise<Invoice[]> {
    return this.dataSource.getRepository(Invoice).find({
      where: { patientId },
      order: { createdAt: 'DESC', lines: { position: 'ASC' } },
    });
  }

  /**
   * The `limit` most recent invoices of all patients, newest first, each with its lines. No
   * order on the lines here: with `take`, TypeORM pages over (invoice, line) pairs when a joined
   * column is in the order, and returns fewer invoices than asked; the view sorts the lines.
   */
  async recent(limit: number): Promise<Invoice[]> {
    return this.dataSource.getRepository(Invoice).find({
      order: { createdAt: 'DESC', id: 'ASC' },
      take: limit,
    });
  }

  /** One invoice with its lines in order, or null. */
  async byId(id: string): Promise<Invoice | null> {
    return this.dataSource
      .getRepository(Invoice)
      .findOne({ where: { id }, order: { lines: { position: 'ASC' } } });
  }
}
