/**
 * `npm run clinic -- audit`: the audit trail of people's access to PHI, read as the database
 * administrator (the URL `databaseUrlOf` gives: CLINIC_<APP>_DATABASE_URL, else the embedded
 * PostgreSQL). `verify` re-computes every app's hash chain and names the first broken entry;
 * `list` prints entries by patient or person. Entries hold ids and codes only, never PHI.
 */
import { Client } from 'pg';
import { CLINIC_APP_NAMES, isClinicApp } from '@app/clinic';
import {
  AppError,
  AppErrorCode,
  listAuditEntries,
  verifyAuditChain,
  type AuditRow,
  type ClinicApp,
} from '@app/platform';
import { databaseUrlOf, type Output } from './commands';
import { printable } from './printable';
import { type MessagingConfig } from '@app/clinic';

export const AUDIT_USAGE = `Usage: npm run clinic -- audit verify [app]
       npm run clinic -- audit list [app] [--patient <id>] [--subject <s>] [--limit <n>]

  verify  re-computes the hash chain of every app's audit entries (or one app's): one line per
          app, entries checked and "ok" or the first broken entry and why. Exits 1 when a
          chain is broken.
  list    the newest entries (oldest first within the page), by patient or person; --limit
          1..500, default 50.
  Apps: ${CLINIC_APP_NAMES.join(', ')}.`;

const usageError = (message: string) =>
  new AppError(AppErrorCode.BadSettings, `${message}\n\n${AUDIT_USAGE}`);

/** SQLSTATE of a missing table: the app's database has not been migrated yet. */
const UNDEFINED_TABLE = '42P01';

function appsOf(arg: string | undefined): readonly ClinicApp[] {
  if (arg === undefined) return CLINIC_APP_NAMES;
  if (isClinicApp(arg)) return [arg];
  throw usageError(`Unknown app "${printable(arg)}": one of ${CLINIC_APP_NAMES.join(', ')}.`);
}

async function withDatabase<T>(
  app: ClinicApp,
  config: MessagingConfig,
  env: NodeJS.ProcessEnv,
  work: (client: Client) => Promise<T>,
): Promise<T> {
  const client = new Client({
    connectionString: databaseUrlOf(app, config, env),
    connectionTimeoutMillis: 5_000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw new AppError(
      AppErrorCode.DatabaseUnavailable,
      `Cannot reach the ${app} database (${(error as Error).name}).`,
      {
        cause: error,
        fix: `Is PostgreSQL running ("npm run clinic -- stack"), and CLINIC_${app.toUpperCase()}_DATABASE_URL right if set?`,
      },
    );
  }
  try {
    return await work(client);
  } catch (error) {
    if ((error as { code?: unknown }).code === UNDEFINED_TABLE) {
      throw new AppError(AppErrorCode.NotMigrated, `The ${app} database has no audit_entries table yet.`, {
        cause: error,
        fix: 'Run "npm run clinic -- migrate".',
      });
    }
    throw error;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** `audit verify [app]`: true when every chain holds. */
export async function auditVerify(
  config: MessagingConfig,
  out: Output,
  app: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
): Promise<boolean> {
  let ok = true;
  for (const each of appsOf(app)) {
    const report = await withDatabase(each, config, env, verifyAuditChain);
    if (report.ok) {
      out.line(`  ${each.padEnd(12)} ${String(report.entries).padStart(7)} entries checked, chain ok`);
    } else {
      ok = false;
      out.line(
        `  ${each.padEnd(12)} ${String(report.entries).padStart(7)} entries checked, BROKEN at seq ${report.firstBroken?.seq}: ${report.firstBroken?.reason}`,
      );
    }
  }
  return ok;
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export interface AuditListOptions {
  readonly app?: string;
  readonly patientId?: string;
  readonly subject?: string;
  readonly limit: number;
}

/** Parses `list`'s arguments; a bad one is a CONFIG error (exit 2) that names it. */
export function parseAuditListArgs(args: readonly string[]): AuditListOptions {
  let app: string | undefined;
  let patientId: string | undefined;
  let subject: string | undefined;
  let limit = 50;
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    if (flag === '--patient' || flag === '--subject' || flag === '--limit') {
      const value = args[++i];
      if (value === undefined || value.startsWith('--')) throw usageError(`${flag} needs a value.`);
      if (flag === '--patient') {
        if (!UUID.test(value)) throw usageError('--patient must be a patient id (a UUID).');
        patientId = value.toLowerCase();
      } else if (flag === '--subject') {
        if (!/^[A-Za-z0-9._:|-]{1,128}$/.test(value)) throw usageError('--subject must be a subject id.');
        subject = value;
      } else {
        limit = Number(value);
        if (!Number.isInteger(limit) || limit < 1 || limit > 500)
          throw usageError('--limit must be a whole number from 1 to 500.');
      }
    } else if (!flag.startsWith('--') && app === undefined) {
      app = flag;
    } else {
      throw usageError(`Unknown argument "${printable(flag)}".`);
    }
  }
  return { app, patientId, subject, limit };
}

function entryLine(row: AuditRow): string {
  const what = `${row.action} ${row.resourceType}${row.resourceId ? ` ${row.resourceId}` : ''}`;
  return [
    `    #${row.seq}`,
    row.at,
    String(row.outcome),
    row.subject ?? '(anonymous)',
    `[${row.roles.join(',')}]`,
    what,
    row.patientId ? `patient ${row.patientId}` : '',
    row.refusal ? `refused: ${row.refusal}` : '',
    `from ${row.clientAddress ?? '?'}`,
    `${row.route}`,
    `req ${row.requestId}`,
  ]
    .filter(Boolean)
    .join('  ');
}

/** `audit list`: the newest `limit` entries per app matching the filters, oldest first. */
export async function auditList(
  config: MessagingConfig,
  out: Output,
  options: AuditListOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  for (const app of appsOf(options.app)) {
    const rows = await withDatabase(app, config, env, async (client) => {
      const newest = await listAuditEntries(client, {
        patientId: options.patientId,
        subject: options.subject,
        limit: options.limit,
        order: 'desc',
      });
      return newest.reverse();
    });
    out.line(`  ${app}: ${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}`);
    for (const row of rows) out.line(entryLine(row));
  }
}

/** `npm run clinic -- audit ...`: resolves the exit code. */
export async function auditCommand(
  config: MessagingConfig,
  out: Output,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'verify': {
      if (rest.length > 1) throw usageError('verify takes at most one app.');
      return (await auditVerify(config, out, rest[0], env)) ? 0 : 1;
    }
    case 'list':
      await auditList(config, out, parseAuditListArgs(rest), env);
      return 0;
    case undefined:
    case 'help':
    case '--help':
      out.line(AUDIT_USAGE);
      return sub === undefined ? 2 : 0;
    default:
      throw usageError(`Unknown audit command "${printable(sub)}".`);
  }
}
