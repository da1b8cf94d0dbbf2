import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { BatchStatement } from '@app/platform';
import type { InvoiceLine } from './invoice-line.entity';
import { Invoice } from './invoice.entity';

/** A new invoice as Billing's rules make it: everything but what the database assigns. */
export type NewInvoice = Omit<Invoice, 'id' | 'createdAt' | 'lines'> & {
  readonly lines: ReadonlyArray<Omit<InvoiceLine, 'id' | 'invoice' | 'position'>>;
};

/** Where invoices (with their lines) are stored and read: the queries, no billing rules. */
@Injectable()
export class InvoiceRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * The insert of invoices with their lines (numbered in order), as the effect of the statement
   * that claims their events (`runBatchOnceInOneStatement`): only the invoices of events
   * claimed now are written. Rows go as JSON record sets, lines find their invoice by event id
   * (one invoice per event).
   */
  insertForClaimed(invoices: readonly NewInvoice[]): BatchStatement {
    const lines = invoices.flatMap((invoice) =>
      invoice.lines.map((line, position) => ({ ...line, position, eventId: invoice.eventId })),
    );
    return {
      with: `invoice AS (
         INSERT INTO invoices (record_id, event_id, patient_id, patient_name, mrn, visit_date,
                               total_cents, currency, status, entered_by)
         SELECT "recordId", "eventId", "patientId", "patientName", mrn, "visitDate",
                "totalCents", currency, status, "enteredBy"
           FROM json_to_recordset($1::json) AS r("recordId" uuid, "eventId" uuid, "patientId" uuid,
                "patientName" text, mrn text, "visitDate" timestamptz, "totalCents" integer,
                currency text, status text, "enteredBy" text)
          WHERE "eventId" IN (SELECT event_id FROM claimed)
         RETURNING id, event_id
       ), line AS (
         INSERT INTO invoice_lines (invoice_id, position, code_system, code, description, quantity,
                                    unit_cents, amount_cents)
         SELECT invoice.id, l.position, l."codeSystem", l.code, l.description, l.quantity,
                l."unitCents", l."amountCents"
           FROM json_to_recordset($2::json) AS l("eventId" uuid, position integer, "codeSystem" text,
                code text, description text, quantity integer, "unitCents" integer, "amountCents" integer)
           JOIN invoice ON invoice.event_id = l."eventId"
       )`,
      parameters: [
        JSON.stringify(invoices.map(({ lines: _lines, ...invoice }) => invoice)),
        JSON.stringify(lines),
      ],
    };
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
