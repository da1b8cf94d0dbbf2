import { STAFF } from '@app/identity';
import type { AuditRow } from '@app/platform';
import { Field, Layout, Problems, type PageContext } from '../../pages/layout';

/** One entry of an app's `GET /audit` (the chain fields are not shown). */
export type AuditEntry = Pick<
  AuditRow,
  | 'seq'
  | 'at'
  | 'app'
  | 'subject'
  | 'roles'
  | 'action'
  | 'resourceType'
  | 'resourceId'
  | 'patientId'
  | 'outcome'
  | 'refusal'
  | 'route'
>;

/** An app's `GET /audit/verification`. */
export interface ChainVerification {
  readonly app: string;
  readonly entries: number;
  readonly verified: boolean;
  readonly lastSeq: string | null;
  readonly firstBroken?: { readonly seq: string; readonly reason: string };
  readonly checkedAt: string;
}

/** The filters as typed: ids and date-times only, never a name. */
export interface AuditFilters {
  readonly patientId?: string;
  readonly subject?: string;
  readonly from?: string;
  readonly to?: string;
}

/** The person behind a subject id, when they are one of the clinic's synthetic staff. */
const staffOf = (subject: string | null) => (subject ? STAFF.find((s) => s.subject === subject) : undefined);

/** "2026-11-29 20:41:07.123 UTC": audit times to the millisecond, the zone said. */
function auditTime(at: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d{3})?/.exec(at);
  return m ? `${m[1]} ${m[2]}${m[3] ?? ''} UTC` : at;
}

function Short(props: { id: string | null; href?: string }) {
  if (!props.id) return <span class="hint">none</span>;
  const text = props.id.length > 12 ? `${props.id.slice(0, 8)}…` : props.id;
  return props.href ? (
    <a class="mono" href={props.href} title={props.id} aria-label={`entries of patient ${props.id}`}>
      {text}
    </a>
  ) : (
    <span class="mono" title={props.id}>
      {text}
    </span>
  );
}

function Verification(props: { chains: readonly ChainVerification[] }) {
  return (
    <table class="chains">
      <caption>The chain of each app, re-computed from its database just now</caption>
      <thead>
        <tr>
          <th scope="col">App</th>
          <th scope="col" class="num">
            Entries
          </th>
          <th scope="col">Chain</th>
        </tr>
      </thead>
      <tbody>
        {props.chains.map((c) => (
          <tr data-app={c.app}>
            <th scope="row">{c.app}</th>
            <td class="num">{c.entries}</td>
            <td>
              {c.verified ? (
                <span class="badge ok">verified</span>
              ) : (
                <span class="badge bad">{`BROKEN at seq ${c.firstBroken?.seq ?? '?'}: ${c.firstBroken?.reason ?? 'unknown'}`}</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The privacy officer's audit trail: the four apps' entries merged, newest first, and each chain's state. */
export function AuditPage(props: {
  ctx: PageContext;
  filters: AuditFilters;
  chains: readonly ChainVerification[];
  entries: readonly AuditEntry[];
  shownMax: number;
  more: boolean;
  errors?: Record<string, string[]>;
  problems?: readonly string[];
}) {
  const { filters: f, entries, errors } = props;
  return (
    <Layout ctx={props.ctx} title="Audit trail" current="/audit">
      <h2>Chain verification</h2>
      <Verification chains={props.chains} />
      <h2>Entries</h2>
      <form method="get" action="/audit" class="card" id="audit-filter" novalidate>
        <datalist id="staff-subjects">
          {STAFF.map((s) => (
            <option value={s.subject}>{`${s.username} (${s.roles.join(', ')})`}</option>
          ))}
        </datalist>
        <div class="row">
          <Field
            name="patientId"
            label="Patient id"
            value={f.patientId}
            errors={errors}
            hint="A patient's UUID"
          />
          <Field
            name="subject"
            label="Person (subject id)"
            value={f.subject}
            errors={errors}
            list="staff-subjects"
            hint="The signed-in person's subject"
          />
          <Field name="from" label="From (UTC)" type="datetime-local" value={f.from} errors={errors} />
          <Field name="to" label="Before (UTC)" type="datetime-local" value={f.to} errors={errors} />
        </div>
        <button type="submit">Filter</button> <a href="/audit">Clear</a>
      </form>
      <Problems messages={props.problems} />
      {entries.length === 0 ? (
        <p>No entries match.</p>
      ) : (
        <table class="audit">
          <caption>
            {props.more
              ? `The newest ${entries.length} matching entries of the four apps, newest first; narrow the time range for older ones`
              : `${entries.length} matching entr${entries.length === 1 ? 'y' : 'ies'} of the four apps, newest first`}
          </caption>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">App</th>
              <th scope="col">Person</th>
              <th scope="col">Action</th>
              <th scope="col">Resource</th>
              <th scope="col">Patient</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => {
              const staff = staffOf(e.subject);
              return (
                <tr class={e.outcome >= 400 ? 'refused' : undefined}>
                  <td>{auditTime(e.at)}</td>
                  <td>{`${e.app} #${e.seq}`}</td>
                  <td>
                    {staff ? (
                      <span title={e.subject ?? undefined}>{staff.username}</span>
                    ) : e.subject ? (
                      <Short id={e.subject} />
                    ) : (
                      <span class="hint">nobody signed in</span>
                    )}
                    <br />
                    <span class="hint">{e.roles.join(', ')}</span>
                  </td>
                  <td>{`${e.action} ${e.resourceType}`}</td>
                  <td>
                    <Short id={e.resourceId} />
                    <br />
                    <span class="hint mono">{e.route}</span>
                  </td>
                  <td>
                    <Short
                      id={e.patientId}
                      href={e.patientId ? `/audit?patientId=${encodeURIComponent(e.patientId)}` : undefined}
                    />
                  </td>
                  <td class="outcome">
                    {e.outcome}
                    {e.refusal && <span class="hint">{` ${e.refusal}`}</span>}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      <p class="hint">{`Each app answers at most ${props.shownMax} entries per view. Reading the trail is itself audited.`}</p>
    </Layout>
  );
}
