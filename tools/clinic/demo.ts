/**
 * `npm run demo`: the clinic scenario, end to end, narrated. A physician enters a record; the
 * demo shows it sitting encrypted in the three queues, starts the three systems, waits for each
 * to act, prints what they did and how many data-key operations it took, and stops everything.
 */
import { ReceiveMessageCommand, type Message } from '@aws-sdk/client-sqs';
import {
  ATTRIBUTE,
  MessagingRuntime,
  type KeyUseCounters,
  type MessagingConfig,
} from '@app/crypto-messaging';
import { catalogue } from '@app/catalogue';
import { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from '@app/contracts';
import type { Output } from './commands';
import { startClinic, type RunningClinic } from './start';

const STEP_TIMEOUT_MS = 60_000;
const STEPS = 6;

/** What the physician enters: a visit, a diagnosis, a medication, a lab order, a follow-up. */
const SCENARIO = {
  patient: SYNTHETIC_PATIENT_REQUEST,
  record: syntheticRecordRequest({ visit: { type: 'office-visit-established', date: justNow() } }),
};

/** Runs the demo; resolves true on success. Any failure is reported with what failed. */
export async function runDemo(config: MessagingConfig, out: Output): Promise<boolean> {
  let step = 0;
  const progress = (text: string) => out.line(`\n[${++step}/${STEPS}] ${text}`);
  let clinic: RunningClinic | undefined;
  const runtime = MessagingRuntime.create(config, 'demo');
  try {
    progress('Starting the embedded stack: broker, PostgreSQL, local master key; provisioning; migrations');
    clinic = await startClinic(config, out, [], { appLogs: 'problems' });

    progress('Starting the EMR (the three systems stay off for now, so the record waits in their queues)');
    const [emr] = await clinic.startApps(['emr']);

    progress('A physician registers a synthetic patient and enters a record');
    const patient = await http<{ id: string; mrn: string }>('POST', `${emr.url}/patients`, SCENARIO.patient);
    out.line(`  patient ${patient.id} (MRN ${patient.mrn})`);
    const record = await http<{ id: string; eventId: string }>(
      'POST',
      `${emr.url}/patients/${patient.id}/records`,
      SCENARIO.record,
    );
    out.line(`  record  ${record.id}, announced as event ${record.eventId}`);

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

    progress('Starting Billing, Scheduling and Prescription; waiting until each has acted');
    const apps = Object.fromEntries(
      (await clinic.startApps(['billing', 'scheduling', 'prescription'])).map((a) => [a.app, a.url]),
    ) as Record<'billing' | 'scheduling' | 'prescription', string>;
    const invoices = await until('Billing to invoice the visit', () =>
      http<Invoice[]>('GET', `${apps.billing}/patients/${patient.id}/invoices`),
    );
    const appointments = await until(
      'Scheduling to book the appointments',
      () => http<Appointment[]>('GET', `${apps.scheduling}/patients/${patient.id}/appointments`),
      (list) => list.length >= 2,
    );
    const reminders = await until('Scheduling to create the reminders', () =>
      http<Reminder[]>('GET', `${apps.scheduling}/patients/${patient.id}/reminders`),
    );
    const prescriptions = await until('Prescription to send the prescription', () =>
      http<Prescription[]>('GET', `${apps.prescription}/patients/${patient.id}/prescriptions`),
    );

    progress('What each system did');
    const invoice = invoices[0];
    out.line(`  Billing: invoice ${invoice.id} (${invoice.status})`);
    for (const line of invoice.lines)
      out.line(
        `    ${line.codeSystem} ${line.code.padEnd(7)} ${line.description.padEnd(50)} ${money(line.amountCents)}`,
      );
    out.line(`    ${'total'.padEnd(63)} ${money(invoice.totalCents)}`);
    out.line('  Scheduling:');
    for (const a of appointments)
      out.line(
        `    ${String(a.kind).padEnd(10)} ${a.slotStart ?? a.startsAt ?? ''}${a.loinc ? `  (lab ${a.loinc})` : ''}`,
      );
    out.line(
      `    ${reminders.length} medication reminder(s): ${[...new Set(reminders.map((r) => r.timeOfDay ?? r.time))].join(', ')}`,
    );
    out.line('  Prescription:');
    for (const p of prescriptions) {
      const pharmacy = catalogue.pharmacy(p.pharmacyId);
      out.line(
        `    ${p.medicationName ?? p.name} -> ${pharmacy?.name ?? p.pharmacyId}: ${p.status}${p.rejectionReason ? ` (${p.rejectionReason})` : ''}`,
      );
    }

    out.line(
      '\n  Key use (the embedded profile counts local data-key operations; on AWS each is one KMS call):',
    );
    for (const app of clinic.apps) {
      const use = await http<KeyUseCounters & { app: string }>('GET', `${app.url}/key-use`);
      out.line(
        `    ${app.app.padEnd(13)} data keys generated ${use.generateDataKey}, decrypted ${use.decryptDataKey}; ` +
          `messages encrypted ${use.encryptions}, decrypted ${use.decryptions}` +
          (Object.keys(use.kmsApiCalls).length ? `; KMS calls ${JSON.stringify(use.kmsApiCalls)}` : ''),
      );
    }
    out.line('\nThe record reached all three systems, encrypted at every hop. Stopping everything.');
    return true;
  } catch (error) {
    out.line(`\nDEMO FAILED at step ${step}/${STEPS}: ${(error as Error).message}`);
    return false;
  } finally {
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
interface Reminder {
  timeOfDay?: string;
  time?: string;
}
interface Prescription {
  medicationName?: string;
  name?: string;
  pharmacyId: string;
  status: string;
  rejectionReason?: string | null;
}

async function http<T>(method: string, url: string, body?: unknown): Promise<T> {
  const response = await fetch(url, {
    method,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${url} answered ${response.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as T;
}

/** Polls until `ok(result)`; fails naming what it waited for. */
async function until<T>(
  what: string,
  fetchIt: () => Promise<T[]>,
  ok: (r: T[]) => boolean = (r) => r.length > 0,
): Promise<T[]> {
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  for (;;) {
    const result = await fetchIt().catch(() => [] as T[]);
    if (ok(result)) return result;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${STEP_TIMEOUT_MS / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
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

const money = (cents: number) => `$${(cents / 100).toFixed(2)}`;

/** A visit that just ended: now, to the minute. */
function justNow(): string {
  const date = new Date();
  date.setUTCSeconds(0, 0);
  return date.toISOString();
}
