/**
 * `npm run demo`: the clinic scenario, end to end, narrated, with signed-in people. Staff sign in
 * with the embedded OpenID Connect provider (authorization code + PKCE, as `npm run clinic --
 * login` does); a physician enters a record; the demo shows it sitting encrypted in the three
 * queues, starts the three systems, and has each system's person read what it did (billing
 * clerk, scheduler, pharmacist, who also records a fill; the administrator reads the key use).
 * It ends with the audit trail of its patient across the four apps, as the privacy officer reads
 * it, and `audit verify`; then it stops everything.
 */
import { randomUUID } from 'node:crypto';
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import { ATTRIBUTE, MessagingRuntime, type KeyUseCounters } from '@app/crypto-messaging';
import { catalogue, CLINIC } from '@app/catalogue';
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import { loadIdentityConfig, readStaffPasswords, STAFF, STAFF_FILE } from '@app/identity';
import { signIn, type StaffSession } from '@app/identity/client';
import { CLINIC_APP_NAMES, consumerNames, type ClinicApp, type ClinicConsumer } from '@app/clinic';
import { auditVerify } from './audit';
import type { Output } from './commands';
import { startClinic, type RunningClinic } from './start';
import { type MessagingConfig, clinicRuntime } from '@app/clinic';

const STEP_TIMEOUT_MS = 60_000;
/** Polling interval while waiting for a system: well inside the per-person read rate limit. */
const POLL_INTERVAL_MS = 500;
const STEPS = 9;

/** Who does what in the demo: one member of the synthetic staff per part. */
const CAST = ['physician', 'billing', 'scheduler', 'pharmacist', 'admin', 'privacy'] as const;
type CastMember = (typeof CAST)[number];

/** What the physician enters: a visit, a diagnosis, a medication, a lab order, a follow-up. */
const SCENARIO = {
  patient: SYNTHETIC_PATIENT_REQUEST,
  record: syntheticRecordRequest({ visit: { type: 'office-visit-established', date: justNow() } }),
};

/** A signed-in member of staff, and how the demo names them: username, role, short subject id. */
interface Person {
  readonly username: CastMember;
  readonly session: StaffSession;
  /** `physician (physician, sub 7f0c6a0e)`: never a name. */
  readonly label: string;
}

/** Runs the demo; resolves true on success. Any failure is reported with what failed. */
export async function runDemo(config: MessagingConfig, out: Output): Promise<boolean> {
  let step = 0;
  const progress = (text: string) => out.line(`\n[${++step}/${STEPS}] ${text}`);
  let clinic: RunningClinic | undefined;
  const people = new Map<CastMember, Person>();
  const runtime = clinicRuntime(config, 'demo');
  try {
    progress(
      'Starting the embedded stack: broker, PostgreSQL, identity provider, local master key; provisioning; migrations',
    );
    clinic = await startClinic(config, out, [], { appLogs: 'problems' });

    progress('Starting the EMR (the three systems stay off for now, so the record waits in their queues)');
    const [emr] = await clinic.startApps(['emr']);

    progress('Staff sign in (authorization code + PKCE with the OpenID Connect provider)');
    const identity = loadIdentityConfig(process.env, config);
    const passwords = readStaffPasswords(identity.stateDir);
    if (!passwords) {
      throw new Error(
        `no staff passwords in ${identity.stateDir}/${STAFF_FILE}: the demo signs people in on the embedded provider only`,
      );
    }
    for (const username of CAST) {
      const session = await signIn({
        issuer: identity.issuer,
        clientId: identity.clientId,
        username,
        password: passwords[username] ?? '',
        claims: { roles: identity.rolesClaim, pharmacy: identity.pharmacyClaim },
      });
      const label = `${username} (${session.roles.join(', ')}, sub ${session.subject.slice(0, 8)})`;
      people.set(username, { username, session, label });
      out.line(
        `  ${label.padEnd(44)} signed in${session.pharmacyId ? ` for pharmacy ${session.pharmacyId}` : ''}; ` +
          `access token valid until ${clock(session.expiresAt)}`,
      );
    }
    const as = (username: CastMember) => people.get(username)!;
    const did = (person: Person, what: string) => out.line(`  ${person.label}: ${what}`);

    progress('The physician registers a synthetic patient and enters a record');
    const physician = as('physician');
    const patient = await http<{ id: string; mrn: string }>(
      physician,
      'POST',
      `${emr.url}/patients`,
      SCENARIO.patient,
    );
    did(physician, `POST /patients -> patient ${patient.id} (MRN ${patient.mrn})`);
    const record = await http<{ id: string; eventId: string; enteredBy?: string }>(
      physician,
      'POST',
      `${emr.url}/patients/${patient.id}/records`,
      SCENARIO.record,
    );
    did(physician, `POST /patients/:id/records -> record ${record.id}, announced as event ${record.eventId}`);
    if (record.enteredBy)
      out.line(`    entered by ${short(record.enteredBy)} (the token's subject, never a name)`);

    progress('The event in the three queues: the body is ciphertext, the routing attributes are plaintext');
    for (const queue of runtime.topology.queues) {
      const message = await peek(runtime, queue.name, record.eventId);
      const body = message.Body ?? '';
      const raw = Buffer.from(body, 'base64');
      const leaks = [SCENARIO.patient.familyName, patient.mrn, 'J06.9', SCENARIO.patient.dateOfBirth].filter(
        (secret) => body.includes(secret) || raw.includes(Buffer.from(secret)),
      );
      out.line(`  ${queue.name}`);
      out.line(`    body (${body.length} chars, base64 envelope): ${body.slice(0, 56)}...`);
      out.line(
        `    patient name, MRN, diagnosis or birth date in it: ${leaks.length === 0 ? 'none' : `FOUND ${leaks.join(', ')}`}`,
      );
      const attributes = Object.entries(message.MessageAttributes ?? {}).map(
        ([k, v]) => `${k}=${v.StringValue}`,
      );
      out.line(`    attributes: ${attributes.join(' ')}`);
      if (leaks.length > 0) throw new Error(`plaintext PHI found in ${queue.name}`);
    }

    progress("Starting Billing, Scheduling and Prescription; each one's person waits until it has acted");
    const apps = Object.fromEntries(
      (await clinic.startApps(consumerNames())).map((a) => [a.app, a.url]),
    ) as Record<ClinicConsumer, string>;
    const screen = await clinic.startWeb();
    out.line(`  the screen answers at ${screen}; with npm start, its journey view of this record is`);
    out.line(`    ${screen}/records/${record.id}/journey (signed in as the physician)`);
    const [clerk, scheduler, pharmacist] = [as('billing'), as('scheduler'), as('pharmacist')];
    const invoices = await until('Billing to invoice the visit', () =>
      http<Invoice[]>(clerk, 'GET', `${apps.billing}/patients/${patient.id}/invoices`),
    );
    const appointments = await until(
      'Scheduling to book the appointments',
      () => http<Appointment[]>(scheduler, 'GET', `${apps.scheduling}/patients/${patient.id}/appointments`),
      (list) => list.length >= 2,
    );
    const reminders = await until('Scheduling to create the reminders', () =>
      http<Reminder[]>(scheduler, 'GET', `${apps.scheduling}/patients/${patient.id}/reminders`),
    );
    const prescriptions = await until('Prescription to send the prescription', () =>
      http<Prescription[]>(pharmacist, 'GET', `${apps.prescription}/patients/${patient.id}/prescriptions`),
    );

    progress('What each system did, as the person whose work it is reads it');
    const invoice = invoices[0];
    did(clerk, `GET /patients/:id/invoices -> invoice ${invoice.id} (${invoice.status})`);
    for (const line of invoice.lines)
      out.line(
        `    ${line.codeSystem} ${line.code.padEnd(7)} ${line.description.padEnd(50)} ${money(line.amountCents)}`,
      );
    out.line(`    ${'total'.padEnd(63)} ${money(invoice.totalCents)}`);
    did(scheduler, 'GET /patients/:id/appointments and /reminders ->');
    for (const a of appointments)
      out.line(
        `    ${String(a.kind).padEnd(10)} ${a.slotStart ?? a.startsAt ?? ''}${a.loinc ? `  (lab ${a.loinc})` : ''}`,
      );
    out.line(`    ${reminderTimesLine(reminders)}`);
    did(pharmacist, 'GET /patients/:id/prescriptions ->');
    for (const p of prescriptions) {
      const pharmacy = catalogue.pharmacy(p.pharmacyId);
      out.line(
        `    ${p.medicationName ?? p.name} -> ${pharmacy?.name ?? p.pharmacyId}: ${p.status}${p.rejectionReason ? ` (${p.rejectionReason})` : ''}`,
      );
    }
    const toFill = prescriptions.find(
      (p) => p.status === 'sent' && p.pharmacyId === pharmacist.session.pharmacyId,
    );
    if (!toFill)
      throw new Error(
        `no prescription was sent to ${pharmacist.session.pharmacyId ?? "the pharmacist's pharmacy"}`,
      );
    const fill = await http<{ id: string; pharmacyId: string; quantity: number; filledBy: string | null }>(
      pharmacist,
      'POST',
      `${apps.prescription}/prescriptions/${toFill.id}/fills`,
      { quantity: toFill.quantity, filledAt: new Date().toISOString() },
      { 'idempotency-key': randomUUID() },
    );
    did(
      pharmacist,
      `POST /prescriptions/:id/fills -> fill ${fill.id}: ${fill.quantity} units at ${fill.pharmacyId}` +
        `${fill.filledBy ? `, filled by ${short(fill.filledBy)}` : ''}`,
    );

    progress('Key use, as the administrator reads it (GET /key-use on each app)');
    out.line('  (the embedded profile counts local data-key operations; on AWS each is one KMS call)');
    const admin = as('admin');
    for (const app of clinic.apps) {
      const use = await http<KeyUseCounters & { app: string }>(admin, 'GET', `${app.url}/key-use`);
      out.line(
        `  ${app.app.padEnd(13)} data keys generated ${use.generateDataKey}, decrypted ${use.decryptDataKey}; ` +
          `messages encrypted ${use.encryptions}, decrypted ${use.decryptions}` +
          (Object.keys(use.kmsApiCalls).length ? `; KMS calls ${JSON.stringify(use.kmsApiCalls)}` : ''),
      );
    }
    did(admin, 'read the counters of all four apps');

    progress("Who did what: the patient's audit trail across the four apps, as the privacy officer reads it");
    const privacy = as('privacy');
    const urls = Object.fromEntries(clinic.apps.map((a) => [a.app, a.url])) as Record<ClinicApp, string>;
    const entries: AuditEntry[] = [];
    for (const app of CLINIC_APP_NAMES) {
      const page = await http<{ entries: AuditEntry[] }>(
        privacy,
        'GET',
        `${urls[app]}/audit?patientId=${patient.id}&limit=500`,
      );
      entries.push(...page.entries);
    }
    did(
      privacy,
      `GET /audit?patientId=<the patient> on ${CLINIC_APP_NAMES.join(', ')} -> ${entries.length} entries`,
    );
    out.line(
      `    ${'app'.padEnd(13)}${'time (UTC)'.padEnd(14)}${'who'.padEnd(30)}${'action'.padEnd(8)}${'resource'.padEnd(30)}outcome`,
    );
    for (const e of entries.sort((a, b) => a.at.localeCompare(b.at))) {
      const resource = `${e.resourceType}${e.resourceId ? ` ${short(e.resourceId)}` : ''}`;
      out.line(
        `    ${e.app.padEnd(13)}${e.at.slice(11, 23).padEnd(14)}${whoOf(e).padEnd(30)}${e.action.padEnd(8)}` +
          `${resource.padEnd(30)}${e.outcome}${e.refusal ? ` (${e.refusal})` : ''}`,
      );
    }
    out.line('  npm run clinic -- audit verify: every hash chain re-computed');
    if (!(await auditVerify(config, { line: (text) => out.line(`  ${text}`) }, undefined)))
      throw new Error('an audit chain is broken');

    out.line(
      '\nThe record reached all three systems, encrypted at every hop; every access is in the audit trail. Signing out and stopping everything.',
    );
    return true;
  } catch (error) {
    out.line(`\nDEMO FAILED at step ${step}/${STEPS}: ${(error as Error).message}`);
    return false;
  } finally {
    // Sign-out revokes each session's refresh token; the provider may already be gone on failure.
    await Promise.all([...people.values()].map((p) => p.session.signOut().catch(() => undefined)));
    runtime.close();
    await clinic?.stop();
  }
}

interface Invoice {
  id: string;
  status: string;
  totalCents: number;
  lines: Array<{ codeSystem: string; code: string; description: string; amountCents: number }>;
}
interface Appointment {
  kind: string;
  slotStart?: string;
  startsAt?: string;
  loinc?: string | null;
}
export interface Reminder {
  timeOfDay?: string;
  time?: string;
  /** The clinic's time zone of `timeOfDay` (IANA name). */
  timeZone?: string;
}

/**
 * `3 medication reminder(s): 06:00, 14:00, 22:00 (UTC, the clinic's time zone)`: times of day
 * with their zone, from the answer (the catalogue's clinic zone for an answer without one).
 */
export function reminderTimesLine(reminders: readonly Reminder[]): string {
  const times = [...new Set(reminders.map((r) => r.timeOfDay ?? r.time))].join(', ');
  const zones = [...new Set(reminders.map((r) => r.timeZone ?? CLINIC.timeZone))].join(', ');
  return `${reminders.length} medication reminder(s): ${times}${reminders.length ? ` (${zones}, the clinic's time zone)` : ''}`;
}
interface Prescription {
  id: string;
  quantity: number;
  medicationName?: string;
  name?: string;
  pharmacyId: string;
  status: string;
  rejectionReason?: string | null;
}

interface AuditEntry {
  at: string;
  app: string;
  subject: string | null;
  roles: string[];
  action: string;
  resourceType: string;
  resourceId: string | null;
  outcome: number;
  refusal: string | null;
}

/** An audit entry's person: the username the subject belongs to (or the short subject), and the role. */
function whoOf(entry: AuditEntry): string {
  if (!entry.subject) return '(no one signed in)';
  const member = STAFF.find((s) => s.subject === entry.subject);
  return `${member?.username ?? short(entry.subject)} (${entry.roles.join(', ') || 'no role'})`;
}

/** One JSON request as `person` (a fresh access token each time: it refreshes when near expiry). */
async function http<T>(
  person: Person,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${await person.session.freshAccessToken()}`,
      ...(body ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  // The path only: query strings may carry ids, and an answer's text is not echoed (it may hold PHI).
  if (!response.ok) {
    // The apps' error codes name a rule or a field, never a value.
    const code = (JSON.parse(text || '{}') as { code?: unknown }).code;
    throw new Error(
      `${method} ${new URL(url).pathname} as ${person.username} answered ${response.status}${typeof code === 'string' ? ` ${code}` : ''}`,
    );
  }
  return JSON.parse(text) as T;
}

/** Polls until `ok(result)`; fails naming what it waited for, and the last refusal if any. */
async function until<T>(
  what: string,
  fetchIt: () => Promise<T[]>,
  ok: (r: T[]) => boolean = (r) => r.length > 0,
): Promise<T[]> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  let last: Error | undefined;
  for (;;) {
    const result = await fetchIt().catch((error: Error) => {
      last = error;
      return [] as T[];
    });
    if (ok(result)) return result;
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${STEP_TIMEOUT_MS / 1000} s waiting for ${what}${last ? ` (last: ${last.message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
  }
}

/** Reads the event's message from a queue without consuming it (visibility timeout 0). */
async function peek(runtime: MessagingRuntime, queueName: string, eventId: string): Promise<Message> {
  const QueueUrl = await runtime.queueUrl(queueName);
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const out = await runtime.clients.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        VisibilityTimeout: 0,
        MessageAttributeNames: ['All'],
      }),
    );
    const found = out.Messages?.find(
      (m) => m.MessageAttributes?.[ATTRIBUTE.eventId]?.StringValue === eventId,
    );
    if (found) return found;
  }
  throw new Error(`event ${eventId} did not arrive in ${queueName} within ${STEP_TIMEOUT_MS / 1000} s`);
}

/** The first 8 characters of a UUID: enough to tell the demo's ids apart. */
const short = (id: string) => id.slice(0, 8);
const clock = (epochMs: number) => new Date(epochMs).toISOString().slice(11, 19) + ' UTC';
const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** A visit that just ended: now, to the minute. */
function justNow(): string {
  const date = new Date();
  date.setUTCSeconds(0, 0);
  return date.toISOString();
}
