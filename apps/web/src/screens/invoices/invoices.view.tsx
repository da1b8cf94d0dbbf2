import { clinicTime, dollars, Layout, type PageContext } from '../../pages/layout';

/** A priced line, as Billing answers it (amounts in US cents). */
export interface InvoiceLine {
  readonly position: number;
  readonly codeSystem: 'CPT' | 'LOINC';
  readonly code: string;
  readonly description: string;
  readonly quantity: number;
  readonly unitCents: number;
  readonly amountCents: number;
}

/** An invoice as Billing's `GET /invoices` answers it: who to bill, the visit, lines and total. */
export interface Invoice {
  readonly id: string;
  readonly recordId: string;
  readonly patientId: string;
  readonly patientName: string;
  readonly mrn: string;
  readonly visitDate: string;
  readonly totalCents: number;
  readonly currency: string;
  readonly status: 'open' | 'paid' | 'void';
  readonly createdAt: string;
  readonly lines: readonly InvoiceLine[];
}

/** Invoices shown on the working list. */
export const INVOICE_LIST_LIMIT = 50;

const STATUS_BADGE: Record<Invoice['status'], string> = { open: 'wait', paid: 'ok', void: 'bad' };

function Status(props: { status: Invoice['status'] }) {
  return <span class={`badge ${STATUS_BADGE[props.status] ?? ''}`}>{props.status}</span>;
}

/** The lines of one invoice, with the total in the footer. */
function LinesTable(props: { invoice: Invoice; caption: string }) {
  const { invoice } = props;
  return (
    <table class="lines">
      <caption>{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Code</th>
          <th scope="col">Description</th>
          <th scope="col" class="num">
            Quantity
          </th>
          <th scope="col" class="num">
            Unit price
          </th>
          <th scope="col" class="num">
            Amount
          </th>
        </tr>
      </thead>
      <tbody>
        {invoice.lines.map((line) => (
          <tr>
            <td class="mono">{`${line.codeSystem} ${line.code}`}</td>
            <td>{line.description}</td>
            <td class="num">{line.quantity}</td>
            <td class="num">{dollars(line.unitCents)}</td>
            <td class="num">{dollars(line.amountCents)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={4} class="num">
            {`Total (${invoice.currency})`}
          </th>
          <td class="num total">{dollars(invoice.totalCents)}</td>
        </tr>
      </tfoot>
    </table>
  );
}

/** The billing clerk's working list: the most recent invoices, newest first, each with its lines. */
export function InvoicesPage(props: { ctx: PageContext; invoices: readonly Invoice[] }) {
  const { invoices } = props;
  return (
    <Layout ctx={props.ctx} title="Invoices" current="/invoices">
      <p class="hint">
        {`The ${INVOICE_LIST_LIMIT} most recent invoices, newest first. Amounts in US dollars; visit times in the clinic’s zone, UTC.`}
      </p>
      {invoices.length === 0 ? (
        <p>No invoices yet. Billing invoices a record about two seconds after the physician saves it.</p>
      ) : (
        invoices.map((invoice) => (
          <section class="card invoice" aria-labelledby={`inv-${invoice.id}`}>
            <h2 id={`inv-${invoice.id}`}>
              <a href={`/invoices/${invoice.id}`}>{`${invoice.patientName} · ${invoice.mrn}`}</a>
            </h2>
            <p class="meta">
              {`Visit ${clinicTime(invoice.visitDate)} · `}
              <Status status={invoice.status} />
              {` · total ${dollars(invoice.totalCents)}`}
            </p>
            <LinesTable
              invoice={invoice}
              caption={`Lines of the invoice for the visit of ${clinicTime(invoice.visitDate)}`}
            />
          </section>
        ))
      )}
    </Layout>
  );
}

/** One invoice: who to bill, the visit, its status, the lines and the total. */
export function InvoicePage(props: { ctx: PageContext; invoice: Invoice }) {
  const { invoice } = props;
  return (
    <Layout ctx={props.ctx} title={`Invoice for ${invoice.patientName}`} tab="Invoice" current="/invoices">
      <p>
        <a href="/invoices">Back to the invoices</a>
      </p>
      <dl class="facts card">
        <dt>Bill to</dt>
        <dd>{invoice.patientName}</dd>
        <dt>MRN</dt>
        <dd class="mono">{invoice.mrn}</dd>
        <dt>Visit</dt>
        <dd>{clinicTime(invoice.visitDate)}</dd>
        <dt>Status</dt>
        <dd>
          <Status status={invoice.status} />
        </dd>
        <dt>Invoiced</dt>
        <dd>{clinicTime(invoice.createdAt)}</dd>
        <dt>Invoice id</dt>
        <dd class="mono">{invoice.id}</dd>
      </dl>
      <LinesTable invoice={invoice} caption="Lines" />
    </Layout>
  );
}
