import type { CheckStatus, DoctorCheck } from '@app/crypto-messaging';
import { Layout, Notice, type PageContext } from '../../pages/layout';
import type { DoctorRun } from './doctor.runner';

/** The groups in the order a reader follows a message: where, keys, topic, queues, subscriptions. */
const GROUP_TITLES: Record<string, string> = {
  endpoint: 'Where the clinic’s messages go',
  'kms-key': 'Keys',
  topic: 'Topic',
  queue: 'Queues',
  'dead-letter-queue': 'Dead-letter queues',
  subscription: 'Subscriptions',
};
const GROUP_ORDER = Object.keys(GROUP_TITLES);
const rank = (kind: string) => (GROUP_ORDER.includes(kind) ? GROUP_ORDER.indexOf(kind) : GROUP_ORDER.length);

const STATUS: Record<CheckStatus, { text: string; css: string }> = {
  fail: { text: 'FAIL', css: 'bad' },
  warn: { text: 'WARN', css: 'wait' },
  pass: { text: 'PASS', css: 'ok' },
};

/** The findings grouped by the kind of resource they are about, in the doctor's order. */
export function groupChecks(
  checks: readonly DoctorCheck[],
): { kind: string; title: string; checks: DoctorCheck[] }[] {
  const groups = new Map<string, DoctorCheck[]>();
  for (const check of checks) {
    const kind = check.resource.split(' ')[0] || 'other';
    const list = groups.get(kind) ?? [];
    list.push(check);
    groups.set(kind, list);
  }
  return [...groups]
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([kind, list]) => ({ kind, title: GROUP_TITLES[kind] ?? kind, checks: list }));
}

const count = (checks: readonly DoctorCheck[], status: CheckStatus) =>
  checks.filter((c) => c.status === status).length;

/** "1 warning", "2 warnings", "0 failed" ... */
function counts(checks: readonly DoctorCheck[]): string {
  const warnings = count(checks, 'warn');
  return `${count(checks, 'pass')} passed, ${warnings} ${warnings === 1 ? 'warning' : 'warnings'}, ${count(checks, 'fail')} failed`;
}

/** The doctor's findings for the current profile: a summary, then each group with badges and fixes. */
export function DoctorPage(props: { ctx: PageContext; run?: DoctorRun; failure?: string }) {
  const { ctx, run } = props;
  return (
    <Layout ctx={ctx} title="Doctor" current="/doctor">
      {props.failure && (
        <Notice kind="warning">The doctor could not read the configuration: {props.failure}</Notice>
      )}
      {run && <Findings run={run} />}
      <p>
        <a href="/doctor">Run the checks again</a>. The same checks in a terminal:{' '}
        <code>npm run clinic -- doctor</code>.
      </p>
    </Layout>
  );
}

function Findings(props: { run: DoctorRun }) {
  const { run } = props;
  const checks = run.report.checks;
  const where = run.endpoint ?? `AWS (${run.region})`;
  return (
    <>
      <p class="lede">
        The live configuration of the “{run.prefix}” topology ({run.profile} profile) at <code>{where}</code>,
        checked against the rules the emulators do not enforce: key and queue policies, key state, AWS-managed
        keys, TLS, PHI in attributes. Read-only.
      </p>
      <p id="doctor-summary" class={`summary ${run.report.ok ? 'ok' : 'bad'}`} role="status">
        <span class={`badge ${run.report.ok ? 'ok' : 'bad'}`}>{run.report.ok ? 'OK' : 'NOT OK'}</span>{' '}
        {counts(checks)}
      </p>
      {groupChecks(checks).map((group) => (
        <section class="card doctor-group" aria-labelledby={`group-${group.kind}`}>
          <h2 id={`group-${group.kind}`}>
            {group.title} <span class="hint">({counts(group.checks)})</span>
          </h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">Resource</th>
                <th scope="col">Finding</th>
                <th scope="col">Fix</th>
              </tr>
            </thead>
            <tbody>
              {group.checks.map((check) => (
                <tr class={`check ${check.status}`} data-check={check.id}>
                  <td>
                    <span class={`badge ${STATUS[check.status].css}`}>{STATUS[check.status].text}</span>
                  </td>
                  <td>
                    <code>{check.resource.slice(check.resource.indexOf(' ') + 1)}</code>
                  </td>
                  <td>
                    {check.message} <code class="hint">[{check.id}]</code>
                  </td>
                  <td>{check.status !== 'pass' && check.fix ? check.fix : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ))}
    </>
  );
}
