import {
  DIAGNOSES,
  FREQUENCIES,
  IMMUNIZATIONS,
  LAB_TESTS,
  MEDICATIONS,
  PHARMACIES,
  PHYSICIANS,
  PROCEDURES,
  VISIT_TYPES,
} from '@app/catalogue';
import type { WebSession } from '../../session/web-sessions';
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
import { FORM_ROWS, type FormValues } from './record-form';

export interface PatientSummary {
  readonly id: string;
  readonly mrn: string;
  readonly givenName: string;
  readonly familyName: string;
  readonly dateOfBirth: string;
  readonly phone?: string | null;
}

export interface RecordSummary {
  readonly id: string;
  readonly visitType: string;
  readonly visitDate: string;
  readonly diagnoses: readonly { readonly icd10: string; readonly description: string }[];
  readonly medications: readonly {
    readonly rxnorm: string;
    readonly name: string;
    readonly pharmacyId: string;
  }[];
  readonly labOrders?: readonly { readonly loinc: string; readonly name: string }[];
  readonly followUpDays?: number | null;
}

/** Find a patient (by MRN or name, sent in the body: never in the URL) or register one. */
export function PatientsPage(props: {
  ctx: PageContext;
  session: WebSession;
  query?: string;
  results?: readonly PatientSummary[];
  searchErrors?: Record<string, string[]>;
  register?: FormValues;
  registerErrors?: Record<string, string[]>;
  problems?: readonly string[];
}) {
  const { session } = props;
  const canRegister = session.roles.includes('physician');
  return (
    <Layout ctx={props.ctx} title="Patients" current="/patients">
      <section class="card" aria-labelledby="find-title">
        <h2 id="find-title">Find a patient</h2>
        <form method="post" action="/patients/search" class="row">
          <Csrf session={session} />
          <Field
            name="query"
            label="MRN or name"
            value={props.query}
            errors={props.searchErrors}
            hint="The start of a medical record number, given name or family name"
          />
          <div class="field">
            <span aria-hidden="true">&nbsp;</span>
            <button type="submit">Search</button>
          </div>
        </form>
        {props.results && (
          <table>
            <caption>{`${props.results.length} patient${props.results.length === 1 ? '' : 's'} found`}</caption>
            <thead>
              <tr>
                <th scope="col">MRN</th>
                <th scope="col">Name</th>
                <th scope="col">Date of birth</th>
              </tr>
            </thead>
            <tbody>
              {props.results.map((p) => (
                <tr>
                  <td class="mono">{p.mrn}</td>
                  <td>
                    <a href={`/patients/${p.id}`}>{`${p.familyName}, ${p.givenName}`}</a>
                  </td>
                  <td>{p.dateOfBirth}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {canRegister && (
        <section class="card" aria-labelledby="register-title">
          <h2 id="register-title">Register a patient</h2>
          <p class="hint">Synthetic people only: invent a name.</p>
          <Problems messages={props.problems} />
          <form method="post" action="/patients" id="register">
            <Csrf session={session} />
            <div class="row">
              <Field
                name="givenName"
                label="Given name"
                value={props.register?.givenName}
                errors={props.registerErrors}
              />
              <Field
                name="familyName"
                label="Family name"
                value={props.register?.familyName}
                errors={props.registerErrors}
              />
              <Field
                name="dateOfBirth"
                label="Date of birth"
                type="date"
                value={props.register?.dateOfBirth}
                errors={props.registerErrors}
              />
              <Field
                name="phone"
                label="Phone (optional)"
                value={props.register?.phone}
                errors={props.registerErrors}
              />
            </div>
            <button type="submit">Register</button>
          </form>
        </section>
      )}
    </Layout>
  );
}

/** One patient: who, and their history, newest first, each record linked to its journey. */
export function PatientPage(props: {
  ctx: PageContext;
  session: WebSession;
  patient: PatientSummary;
  records: readonly RecordSummary[];
  saved?: boolean;
}) {
  const { patient } = props;
  // The journey view is the physicians' and administrators' (a nurse's link would answer 403).
  const journeys = props.session.roles.includes('physician');
  return (
    <Layout
      ctx={props.ctx}
      title={`${patient.givenName} ${patient.familyName}`}
      tab="Patient"
      current="/patients"
    >
      {props.saved && <Notice kind="success">Patient registered.</Notice>}
      <dl class="facts card">
        <dt>MRN</dt>
        <dd class="mono">{patient.mrn}</dd>
        <dt>Date of birth</dt>
        <dd>{patient.dateOfBirth}</dd>
        {patient.phone && (
          <>
            <dt>Phone</dt>
            <dd>{patient.phone}</dd>
          </>
        )}
      </dl>
      {props.session.roles.includes('physician') && (
        <p>
          <a class="button" href={`/patients/${patient.id}/records/new`}>
            New record
          </a>
        </p>
      )}
      <h2>History</h2>
      {props.records.length === 0 ? (
        <p>No records yet.</p>
      ) : (
        <table>
          <caption>Records, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Visit</th>
              <th scope="col">Type</th>
              <th scope="col">Diagnoses</th>
              <th scope="col">Medications</th>
              {journeys && <th scope="col">Journey</th>}
            </tr>
          </thead>
          <tbody>
            {props.records.map((r) => (
              <tr>
                <td>{clinicTime(r.visitDate)}</td>
                <td>{r.visitType}</td>
                <td>{r.diagnoses.map((d) => `${d.icd10} ${d.description}`).join('; ')}</td>
                <td>{r.medications.map((m) => `${m.name} (${m.pharmacyId})`).join('; ')}</td>
                {journeys && (
                  <td>
                    <a href={`/records/${r.id}/journey`}>Journey</a>
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Layout>
  );
}

const opts = <T,>(items: readonly T[], value: (t: T) => string, label: (t: T) => string) =>
  items.map((t) => ({ value: value(t), label: label(t) }));

/** Pickers from the catalogue: typed codes are allowed too, and the API names an unknown one. */
function Datalists() {
  return (
    <>
      <datalist id="icd10-codes">
        {DIAGNOSES.map((d) => (
          <option value={d.icd10}>{d.description}</option>
        ))}
      </datalist>
      <datalist id="rxnorm-codes">
        {MEDICATIONS.map((m) => (
          <option value={m.rxnorm}>{m.name}</option>
        ))}
      </datalist>
      <datalist id="loinc-codes">
        {LAB_TESTS.map((l) => (
          <option value={l.loinc}>{l.name}</option>
        ))}
      </datalist>
      <datalist id="cpt-codes">
        {PROCEDURES.map((p) => (
          <option value={p.cptCode}>{p.description}</option>
        ))}
      </datalist>
      <datalist id="cvx-codes">
        {IMMUNIZATIONS.map((i) => (
          <option value={i.cvx}>{i.name}</option>
        ))}
      </datalist>
    </>
  );
}

const rows = (n: number) => Array.from({ length: n }, (_, i) => i);

/** The record form: visit, diagnoses, procedures, medications with pharmacy, labs, immunisation, follow-up. */
export function RecordFormPage(props: {
  ctx: PageContext;
  session: WebSession;
  patient: PatientSummary;
  values: FormValues;
  errors?: Record<string, string[]>;
  problems?: readonly string[];
}) {
  const { values: v, errors: e } = props;
  return (
    <Layout
      ctx={props.ctx}
      title={`New record: ${props.patient.givenName} ${props.patient.familyName}`}
      tab="New record"
      current="/patients"
    >
      <p>
        <a href={`/patients/${props.patient.id}`}>Back to the patient</a>
      </p>
      <Problems messages={props.problems} />
      <form method="post" action={`/patients/${props.patient.id}/records`} id="record" novalidate>
        <Csrf session={props.session} />
        <Datalists />
        <fieldset>
          <legend>Visit</legend>
          <div class="row">
            <Select
              name="physicianId"
              label="Physician"
              value={v.physicianId}
              errors={e}
              options={opts(
                PHYSICIANS,
                (p) => p.physicianId,
                (p) => p.name,
              )}
            />
            <Select
              name="visit.type"
              label="Visit type"
              value={v['visit.type']}
              errors={e}
              options={opts(
                VISIT_TYPES,
                (t) => t.type,
                (t) => `${t.description} (${t.cptCode})`,
              )}
            />
            <Field
              name="visit.date"
              label="Visit date and time (UTC)"
              type="datetime-local"
              value={v['visit.date']}
              errors={e}
            />
          </div>
          <div class="field">
            <label>
              <input type="checkbox" name="billable" checked={v.billable !== 'false' && v.billable !== ''} />{' '}
              Billable
            </label>
          </div>
        </fieldset>
        <fieldset>
          <legend>Diagnoses (ICD-10)</legend>
          <div class="row">
            {rows(FORM_ROWS.diagnoses).map((i) => (
              <Field
                name={`diagnoses.${i}.icd10`}
                label={`Diagnosis ${i + 1}`}
                list="icd10-codes"
                value={v[`diagnoses.${i}.icd10`]}
                errors={e}
              />
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Procedures (CPT)</legend>
          <div class="row">
            {rows(FORM_ROWS.procedures).map((i) => (
              <Field
                name={`procedures.${i}.cptCode`}
                label={`Procedure ${i + 1}`}
                list="cpt-codes"
                value={v[`procedures.${i}.cptCode`]}
                errors={e}
              />
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>Medications (RxNorm)</legend>
          {rows(FORM_ROWS.medications).map((i) => (
            <div class="row">
              <Field
                name={`medications.${i}.rxnorm`}
                label={`Medication ${i + 1}`}
                list="rxnorm-codes"
                value={v[`medications.${i}.rxnorm`]}
                errors={e}
              />
              <Field
                name={`medications.${i}.dose`}
                label="Dose"
                value={v[`medications.${i}.dose`]}
                errors={e}
              />
              <Select
                name={`medications.${i}.frequency`}
                label="Frequency"
                value={v[`medications.${i}.frequency`]}
                errors={e}
                options={opts(
                  FREQUENCIES,
                  (f) => f.frequency,
                  (f) => f.frequency,
                )}
              />
              <Field
                name={`medications.${i}.quantity`}
                label="Quantity"
                inputMode="numeric"
                value={v[`medications.${i}.quantity`]}
                errors={e}
              />
              <Field
                name={`medications.${i}.refills`}
                label="Refills"
                inputMode="numeric"
                value={v[`medications.${i}.refills`] ?? '0'}
                errors={e}
              />
              <Select
                name={`medications.${i}.pharmacyId`}
                label="Pharmacy"
                value={v[`medications.${i}.pharmacyId`]}
                errors={e}
                options={opts(
                  PHARMACIES,
                  (p) => p.pharmacyId,
                  (p) => `${p.name} (${p.pharmacyId})`,
                )}
              />
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>Labs (LOINC)</legend>
          <div class="row">
            {rows(FORM_ROWS.labOrders).map((i) => (
              <Field
                name={`labOrders.${i}.loinc`}
                label={`Lab order ${i + 1}`}
                list="loinc-codes"
                value={v[`labOrders.${i}.loinc`]}
                errors={e}
              />
            ))}
          </div>
          {rows(FORM_ROWS.labResults).map((i) => (
            <div class="row">
              <Field
                name={`labResults.${i}.loinc`}
                label={`Result ${i + 1}: test`}
                list="loinc-codes"
                value={v[`labResults.${i}.loinc`]}
                errors={e}
              />
              <Field
                name={`labResults.${i}.value`}
                label="Value"
                value={v[`labResults.${i}.value`]}
                errors={e}
              />
              <Field
                name={`labResults.${i}.unit`}
                label="Unit"
                value={v[`labResults.${i}.unit`]}
                errors={e}
              />
              <Field
                name={`labResults.${i}.flag`}
                label="Flag (optional)"
                value={v[`labResults.${i}.flag`]}
                errors={e}
              />
            </div>
          ))}
        </fieldset>
        <fieldset>
          <legend>Immunisation (CVX) and follow-up</legend>
          <div class="row">
            <Field
              name="immunizations.0.cvx"
              label="Vaccine"
              list="cvx-codes"
              value={v['immunizations.0.cvx']}
              errors={e}
            />
            <Field
              name="immunizations.0.date"
              label="Given on"
              type="date"
              value={v['immunizations.0.date']}
              errors={e}
            />
            <Field
              name="followUpDays"
              label="Follow-up in (days)"
              inputMode="numeric"
              value={v.followUpDays}
              errors={e}
            />
          </div>
        </fieldset>
        <div class="field">
          <label for="f-note">Note (stays in the EMR; never published)</label>
          <textarea id="f-note" name="note" rows={3} cols={60}>
            {v.note ?? ''}
          </textarea>
        </div>
        <button type="submit">Save record</button>
      </form>
    </Layout>
  );
}
