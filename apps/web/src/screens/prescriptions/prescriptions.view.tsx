import { PHARMACIES } from '@app/catalogue';
import {
  clinicTime,
  Csrf,
  Field,
  Layout,
  Notice,
  Problems,
  Select,
  type PageContext,
} from '../../pages/layout';
import type { WebSession } from '../../session/web-sessions';
import { rejectionInWords } from './prescription-words';

/** One fill as Prescription answers it. */
export interface Fill {
  readonly id: string;
  readonly pharmacyId: string;
  readonly quantity: number;
  readonly filledAt: string;
  readonly recordedAt: string;
  readonly filledBy: string | null;
}

/** A prescription as Prescription answers it: what dispensing needs, and the fill history. */
export interface Prescription {
  readonly id: string;
  readonly patientId: string;
  readonly patientGivenName: string;
  readonly patientFamilyName: string;
  readonly patientDateOfBirth: string;
  readonly prescriberName: string;
  readonly rxnorm: string;
  readonly medicationName: string;
  readonly dose: string;
  readonly frequency: string;
  readonly quantity: number;
  readonly refills: number;
  readonly pharmacyId: string;
  readonly status: 'sent' | 'rejected';
  readonly rejectionReason: string | null;
  readonly transmittedAt: string | null;
  readonly createdAt: string;
  readonly fills: readonly Fill[];
  readonly fillState: 'unfilled' | 'partially-filled' | 'fully-filled' | null;
  readonly authorisedUnits: number;
  readonly filledUnits: number;
  readonly remainingUnits: number;
}

export type StatusFilter = '' | 'sent' | 'rejected';

const pharmacyName = (id: string | undefined) =>
  id ? `${PHARMACIES.find((p) => p.pharmacyId === id)?.name ?? 'Pharmacy'} (${id})` : 'no pharmacy';

function StatusBadge(props: { p: Prescription }) {
  const { p } = props;
  if (p.status === 'rejected') return <span class="badge bad">rejected</span>;
  const state = p.fillState ?? 'unfilled';
  return <span class={`badge ${state === 'fully-filled' ? 'ok' : 'wait'}`}>{`sent · ${state}`}</span>;
}

/** The pharmacist's list: their pharmacy's prescriptions, newest first, filterable by status. */
export function PrescriptionsPage(props: {
  ctx: PageContext;
  session: WebSession;
  status: StatusFilter;
  prescriptions: readonly Prescription[];
}) {
  const { prescriptions, status } = props;
  return (
    <Layout ctx={props.ctx} title="Prescriptions" current="/prescriptions">
      <p class="hint">{`For ${pharmacyName(props.session.pharmacyId)}, newest first. Times in UTC.`}</p>
      <form method="get" action="/prescriptions" class="row card">
        <Select
          name="status"
          label="Status"
          value={status}
          empty="Sent and rejected"
          options={[
            { value: 'sent', label: 'Sent (to fill)' },
            { value: 'rejected', label: 'Rejected' },
          ]}
        />
        <div class="field">
          <span aria-hidden="true">&nbsp;</span>
          <button type="submit">Show</button>
        </div>
      </form>
      {prescriptions.length === 0 ? (
        <p>No prescriptions.</p>
      ) : (
        <table>
          <caption>{`${prescriptions.length} prescription${prescriptions.length === 1 ? '' : 's'}${status ? ` (${status})` : ''}`}</caption>
          <thead>
            <tr>
              <th scope="col">Received</th>
              <th scope="col">Patient</th>
              <th scope="col">Medication</th>
              <th scope="col" class="num">
                Units filled / authorised
              </th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {prescriptions.map((p) => (
              <tr>
                <td>{clinicTime(p.createdAt)}</td>
                <td>
                  <a href={`/prescriptions/${p.id}`}>{`${p.patientFamilyName}, ${p.patientGivenName}`}</a>
                  <br />
                  <span class="hint">{`born ${p.patientDateOfBirth}`}</span>
                </td>
                <td>
                  {p.medicationName}
                  <br />
                  <span class="hint">{`${p.dose}, ${p.frequency}`}</span>
                </td>
                <td class="num">{`${p.filledUnits} / ${p.authorisedUnits}`}</td>
                <td>
                  <StatusBadge p={p} />
                  {p.status === 'rejected' && (
                    <p class="reason">
                      <span class="mono">{p.rejectionReason}</span>
                      {`: ${rejectionInWords(p.rejectionReason)}`}
                    </p>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

/** One prescription: what to dispense, its fill history, and the form to record a fill. */
export function PrescriptionPage(props: {
  ctx: PageContext;
  session: WebSession;
  prescription: Prescription;
  values: Readonly<Record<string, string>>;
  idempotencyKey: string;
  errors?: Record<string, string[]>;
  problems?: readonly string[];
  filled?: boolean;
}) {
  const { prescription: p, values, errors } = props;
  return (
    <Layout
      ctx={props.ctx}
      title={`${p.medicationName} for ${p.patientGivenName} ${p.patientFamilyName}`}
      tab="Prescription"
      current="/prescriptions"
    >
      <p>
        <a href="/prescriptions">Back to the prescriptions</a>
      </p>
      {props.filled && <Notice kind="success">Fill recorded.</Notice>}
      <dl class="facts card">
        <dt>Patient</dt>
        <dd>{`${p.patientGivenName} ${p.patientFamilyName}, born ${p.patientDateOfBirth}`}</dd>
        <dt>Prescriber</dt>
        <dd>{p.prescriberName}</dd>
        <dt>Medication</dt>
        <dd>{`${p.medicationName} (RxNorm ${p.rxnorm})`}</dd>
        <dt>Dose</dt>
        <dd>{`${p.dose}, ${p.frequency}`}</dd>
        <dt>Quantity</dt>
        <dd>{`${p.quantity} with ${p.refills} refill${p.refills === 1 ? '' : 's'}: ${p.authorisedUnits} units in all`}</dd>
        <dt>Pharmacy</dt>
        <dd>{pharmacyName(p.pharmacyId)}</dd>
        <dt>Status</dt>
        <dd>
          <StatusBadge p={p} />
          {p.status === 'rejected' && (
            <p class="reason">
              <span class="mono">{p.rejectionReason}</span>
              {`: ${rejectionInWords(p.rejectionReason)}`}
            </p>
          )}
        </dd>
        <dt>Transmitted</dt>
        <dd>{p.transmittedAt ? clinicTime(p.transmittedAt) : 'never'}</dd>
        <dt>Remaining</dt>
        <dd>{`${p.remainingUnits} unit${p.remainingUnits === 1 ? '' : 's'}`}</dd>
      </dl>
      <h2>Fill history</h2>
      {p.fills.length === 0 ? (
        <p>Not filled yet.</p>
      ) : (
        <table>
          <caption>Fills, in the order dispensed</caption>
          <thead>
            <tr>
              <th scope="col">Dispensed</th>
              <th scope="col" class="num">
                Units
              </th>
              <th scope="col">Pharmacy</th>
              <th scope="col">Recorded</th>
            </tr>
          </thead>
          <tbody>
            {p.fills.map((f) => (
              <tr>
                <td>{clinicTime(f.filledAt)}</td>
                <td class="num">{f.quantity}</td>
                <td>{f.pharmacyId}</td>
                <td>{clinicTime(f.recordedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {p.status === 'sent' && p.remainingUnits > 0 && (
        <section class="card" aria-labelledby="fill-title">
          <h2 id="fill-title">Record a fill</h2>
          <p class="hint">{`Recorded for your pharmacy, ${pharmacyName(props.session.pharmacyId)}, under your name.`}</p>
          <Problems messages={props.problems} />
          <form method="post" action={`/prescriptions/${p.id}/fills`} id="fill" novalidate>
            <Csrf session={props.session} />
            <input type="hidden" name="idempotencyKey" value={props.idempotencyKey} />
            <div class="row">
              <Field
                name="quantity"
                label="Units dispensed"
                inputMode="numeric"
                value={values.quantity}
                errors={errors}
                hint={`At most ${p.remainingUnits}`}
              />
              <Field
                name="filledAt"
                label="Dispensed at (UTC)"
                type="datetime-local"
                value={values.filledAt}
                errors={errors}
              />
            </div>
            <button type="submit">Record fill</button>
          </form>
        </section>
      )}
    </Layout>
  );
}
