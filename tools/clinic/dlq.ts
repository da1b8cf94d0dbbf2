/**
 * `npm run clinic -- dlq <list|show|redrive|purge>`: dead-lettered messages for people, through
 * the library's {@link DeadLetterQueues}. Output carries ids, codes, counts and times only; the
 * one exception is `show --decrypt`, which prints the event and is audited first.
 */
import { userInfo } from 'node:os';
import { createInterface } from 'node:readline/promises';
import {
  DeadLetterError,
  DeadLetterErrorCode,
  DeadLetterQueues,
  type DeadLetterAccessAudit,
  type DeadLetterSummary,
} from '@app/crypto-messaging';
import type { Output } from './commands';
import { printable } from './printable';
import { clinicTopology, type MessagingConfig, clinicRuntime } from '@app/clinic';

export const DLQ_USAGE = `Usage: npm run clinic -- dlq <command> [options]

Dead-lettered messages: messages a consumer can never process (the transport's reason code)
or that failed too often (MAX_RECEIVES). Queues are named by consumer: QUEUES.

Commands:
  list [queue]                       What is dead-lettered, and why. Attributes only: bodies stay
                                     encrypted; listing does not consume or lose anything.
  show <event-id> [--decrypt]        One message's metadata. --decrypt also decrypts its body and
                                     prints the event (PHI): audited with who, what and when.
  redrive [queue] [--id <event-id>]  Send messages back to their source queue (all, or only the
                                     ids given; --id may repeat). Send first, delete second.
  purge [queue] [--yes]              Delete every message of the dead-letter queue(s). Asks for
                                     confirmation; --yes skips it (required without a terminal).

Who you are, for the audit record: CLINIC_ACTOR, else your OS user name.
See docs/dead-letters.md.`;

/** Where the command reads and writes: injected so tests can drive it. */
export interface DlqIo {
  readonly out: Output;
  /** Errors and audit records (structured JSON lines). */
  readonly err: Output;
  /** True when a person can answer a prompt. */
  readonly interactive: boolean;
  /** Asks a question, resolves the answer. Only called when `interactive`. */
  ask(question: string): Promise<string>;
  readonly env: NodeJS.ProcessEnv;
}

/** The real terminal: stdout, stderr, and a prompt only when both ends are a TTY. */
export function processDlqIo(): DlqIo {
  return {
    out: { line: (text) => process.stdout.write(`${text}\n`) },
    err: { line: (text) => process.stderr.write(`${text}\n`) },
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    async ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return await rl.question(question);
      } finally {
        rl.close();
      }
    },
    env: process.env,
  };
}

/** A command line that cannot be run as written: exit code 2, the message says why. */
class UsageError extends Error {}

interface Parsed {
  readonly command: 'list' | 'show' | 'redrive' | 'purge';
  readonly queue?: string;
  readonly id?: string;
  readonly ids: string[];
  readonly decrypt: boolean;
  readonly yes: boolean;
}

/** Runs `dlq ...`; resolves the process exit code. */
export async function runDlq(argv: readonly string[], config: MessagingConfig, io: DlqIo): Promise<number> {
  const consumers = clinicTopology({ prefix: config.prefix }).queues.map((q) => q.consumer);
  const usage = DLQ_USAGE.replace('QUEUES', consumers.join(', '));
  if (argv.length === 0 || argv.some((a) => a === '--help' || a === '-h') || argv[0] === 'help') {
    io.out.line(usage);
    return argv.length === 0 ? 2 : 0;
  }
  let parsed: Parsed;
  try {
    parsed = parse(argv, consumers);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err.line(`error: ${error.message}\n\nRun "npm run clinic -- dlq --help" for usage.`);
    return 2;
  }
  if (parsed.command === 'purge' && !parsed.yes && !io.interactive) {
    io.err.line(
      'error: refusing to purge without confirmation, and there is no terminal to ask on. ' +
        `Re-run with --yes to purge ${parsed.queue ? `the ${parsed.queue}` : 'every'} dead-letter queue.`,
    );
    return 2;
  }
  const actor = io.env.CLINIC_ACTOR || userInfo().username;
  const runtime = clinicRuntime(config, 'dlq-tool');
  const dlq = DeadLetterQueues.fromRuntime(runtime, {
    actor,
    audit: (entry) => io.err.line(auditLine(entry)),
  });
  try {
    switch (parsed.command) {
      case 'list':
        return await list(dlq, parsed.queue, io.out);
      case 'show':
        return await show(dlq, parsed.id!, parsed.decrypt, actor, io);
      case 'redrive':
        return await redrive(dlq, parsed.queue, parsed.ids, io.out);
      case 'purge':
        return await purge(dlq, parsed.queue, parsed.yes, io);
    }
  } catch (error) {
    if (error instanceof DeadLetterError) {
      io.err.line(`error: ${error.message}`);
      return error.code === DeadLetterErrorCode.UnknownQueue || error.code === DeadLetterErrorCode.InvalidId
        ? 2
        : 1;
    }
    throw error;
  } finally {
    runtime.close();
  }
}

function parse(argv: readonly string[], consumers: readonly string[]): Parsed {
  const [command, ...rest] = argv;
  if (command !== 'list' && command !== 'show' && command !== 'redrive' && command !== 'purge') {
    throw new UsageError(`unknown dlq command "${printable(command)}": one of list, show, redrive, purge.`);
  }
  const positional: string[] = [];
  const ids: string[] = [];
  let decrypt = false;
  let yes = false;
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i];
    if (arg === '--decrypt' && command === 'show') decrypt = true;
    else if (arg === '--yes' && command === 'purge') yes = true;
    else if (arg === '--id' && command === 'redrive') {
      const id = rest[++i];
      if (!id || id.startsWith('--')) throw new UsageError('--id needs an event id after it.');
      ids.push(id);
    } else if (arg.startsWith('-'))
      throw new UsageError(`unknown option "${printable(arg)}" for dlq ${command}.`);
    else positional.push(arg);
  }
  if (command === 'show') {
    if (positional.length !== 1) throw new UsageError('dlq show needs exactly one event id.');
    return { command, id: positional[0], ids, decrypt, yes };
  }
  if (positional.length > 1) throw new UsageError(`dlq ${command} takes at most one queue name.`);
  const [queue] = positional;
  if (queue !== undefined && !consumers.includes(queue)) {
    throw new UsageError(`unknown queue "${printable(queue)}": one of ${consumers.join(', ')}.`);
  }
  return { command, queue, ids, decrypt, yes };
}

async function list(dlq: DeadLetterQueues, queue: string | undefined, out: Output): Promise<number> {
  const { messages, truncated } = await dlq.list(queue);
  const scope = queue ?? dlq.consumers.join(', ');
  if (messages.length === 0) {
    out.line(`No dead-lettered messages (${scope}).`);
    return 0;
  }
  out.line(renderTable(messages));
  const perQueue = new Map<string, number>();
  for (const m of messages) perQueue.set(m.consumer, (perQueue.get(m.consumer) ?? 0) + 1);
  out.line('');
  out.line(
    `${messages.length} dead-lettered message(s): ${[...perQueue].map(([q, n]) => `${q} ${n}`).join(', ')}. ` +
      'Bodies stay encrypted; "dlq show <event-id> --decrypt" reads one (audited).',
  );
  for (const name of truncated)
    out.line(`${name}: more messages than one listing inspects; this is the first part.`);
  return 0;
}

async function show(
  dlq: DeadLetterQueues,
  id: string,
  decrypt: boolean,
  actor: string,
  io: DlqIo,
): Promise<number> {
  const detail = await dlq.show(id, { decrypt });
  const s = detail.summary;
  const rows: Array<[string, string | number | null]> = [
    ['event id', s.eventId],
    ['message id', s.messageId],
    ['event type', s.eventType],
    ['schema version', s.schemaVersion],
    ['reason', s.reason],
    ['queue', s.queue],
    ['source queue', s.sourceQueue],
    ['sent', s.sentAt],
    ['first receive', s.firstReceivedAt],
    ['last receive', `${s.lastReceivedAt} (this inspection)`],
    ['receives', s.receiveCount],
    ['body', `${s.bodyBytes} bytes, encrypted`],
  ];
  for (const [name, value] of rows) io.out.line(`${name.padEnd(15)} ${value ?? '-'}`);
  if (!decrypt) return 0;
  if (detail.decryptError) {
    io.out.line(`\nDecryption failed: ${detail.decryptError} (the attempt was audited as ${actor}).`);
    return 1;
  }
  io.out.line(`\nDecrypted event (PHI; this access was audited as ${actor}):`);
  if (detail.attributesMatch === false) {
    io.out.line('WARNING: the envelope id, type or version differ from the plaintext attributes.');
  }
  io.out.line(JSON.stringify(detail.event, null, 2));
  return 0;
}

async function redrive(
  dlq: DeadLetterQueues,
  queue: string | undefined,
  ids: readonly string[],
  out: Output,
): Promise<number> {
  const result = await dlq.redrive(queue, { ids });
  let problems = 0;
  for (const r of result.queues) {
    const how = r.method === 'move-task' ? "SQS's move task" : 'sent, then deleted';
    out.line(
      `${r.consumer.padEnd(13)} ${r.moved} moved to ${r.sourceQueue} (${how})${r.stillRunning ? ', still running' : ''}`,
    );
    if (r.sentNotDeleted > 0) {
      problems++;
      out.line(
        `${''.padEnd(13)} ${r.sentNotDeleted} sent but not deleted: now in both queues (the consumer handles a duplicate once). Run the redrive again later.`,
      );
    }
    if (r.failed > 0) {
      problems++;
      out.line(`${''.padEnd(13)} ${r.failed} could not be sent: left in ${r.queue}. Run the redrive again.`);
    }
  }
  for (const id of result.notFound) {
    problems++;
    out.line(`not found: ${id}`);
  }
  return problems > 0 ? 1 : 0;
}

async function purge(
  dlq: DeadLetterQueues,
  queue: string | undefined,
  yes: boolean,
  io: DlqIo,
): Promise<number> {
  if (!yes) {
    const counts = await dlq.counts(queue);
    const total = counts.reduce((sum, c) => sum + c.approximateMessages, 0);
    const names = counts.map((c) => `${c.queue} (about ${c.approximateMessages})`).join(', ');
    const answer = await io.ask(
      `Purge ${names}: about ${total} message(s), irreversibly? Type "yes" to purge: `,
    );
    if (answer.trim() !== 'yes') {
      io.out.line('Nothing purged.');
      return 1;
    }
  }
  for (const r of await dlq.purge(queue)) {
    io.out.line(`${r.consumer.padEnd(13)} purged ${r.queue} (about ${r.approximateMessages} message(s))`);
  }
  return 0;
}

const COLUMNS: Array<[string, (m: DeadLetterSummary) => string]> = [
  ['QUEUE', (m) => m.consumer],
  ['EVENT ID', (m) => m.eventId ?? `(message ${m.messageId})`],
  ['TYPE', (m) => (m.eventType && m.schemaVersion ? `${m.eventType}.v${m.schemaVersion}` : '-')],
  ['REASON', (m) => m.reason],
  ['SENT', (m) => shortTime(m.sentAt)],
  ['FIRST RECEIVE', (m) => shortTime(m.firstReceivedAt)],
  ['RECEIVES', (m) => String(m.receiveCount)],
];

/** A plain-text table, one row per message, sorted by queue then time sent. */
export function renderTable(messages: readonly DeadLetterSummary[]): string {
  const sorted = [...messages].sort(
    (a, b) => a.consumer.localeCompare(b.consumer) || (a.sentAt ?? '').localeCompare(b.sentAt ?? ''),
  );
  const rows = [COLUMNS.map(([title]) => title), ...sorted.map((m) => COLUMNS.map(([, cell]) => cell(m)))];
  const widths = COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

function shortTime(iso: string | null): string {
  return iso ? `${iso.slice(0, 19).replace('T', ' ')}Z` : '-';
}

/** The audit record as one structured line, in the KeyAudit stream the apps also write. */
function auditLine(entry: DeadLetterAccessAudit): string {
  return JSON.stringify({ level: 'audit', logger: 'KeyAudit', msg: 'dead-letter body decrypted', ...entry });
}
