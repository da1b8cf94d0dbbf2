/**
 * `npm run clinic -- <command>`: the clinic's command-line tool (`npm start` and `npm run demo`
 * are its `start` and `demo`).
 *   start       the whole clinic: embedded stack, provisioning, migrations, the four apps
 *   demo        the clinic scenario end to end, narrated
 *   provision   create or verify the encrypted topic, queues, keys and subscriptions
 *   migrate     apply every app's pending database migrations
 *   doctor      check the live configuration for what emulators do not enforce
 *   stack       start the embedded stack (broker, PostgreSQL, local key), provision it, wait
 *   outbox      replay the EMR's outbox events of a time window (sealed, same event ids), or purge old ones
 *   dlq         list, show, redrive or purge dead-lettered messages
 *   audit       verify the audit trail's hash chains, or list its entries
 *   login/token/logout/staff   people signing in (authorization code + PKCE), their tokens
 */
import 'reflect-metadata';
import { auditCommand } from './audit';
import { doctor, migrate, provision, startEmbeddedStack, type Output } from './commands';
import { runDemo } from './demo';
import { processDlqIo, runDlq } from './dlq';
import { LOGIN_USAGE, processLoginIo, runLoginCommand } from './login';
import { outboxCommand } from './outbox';
import { runClinic } from './start';
import { loadMessagingConfig } from '@app/clinic';
import { failureOf } from './failure';

const USAGE = `Usage: npm run clinic -- <command> [options]

Commands:
  start              Start the whole clinic: embedded stack, provisioning, migrations and the
                     four apps as separate processes. A process that stops unexpectedly is
                     restarted; Ctrl-C stops everything.
  demo               Play the clinic scenario end to end and print what each system did.
  provision          Create or verify every resource of the topology (idempotent).
  migrate [--app A]  Apply every app's (or app A's) pending database migrations as the
                     administrator, then give each app its own database login (embedded:
                     <app>_app, password generated into <state>/secrets). With --app and
                     DATABASE_URL (the master login), CLINIC_APP_DB_USER and
                     CLINIC_APP_DB_PASSWORD name the app's login to create or update.
  doctor [--problems] [--verbose]
                     Check the live configuration; exits 1 when a check fails
                     ("doctor --help" for details).
  stack              Start the embedded stack (SNS/SQS broker, PostgreSQL, local master key),
                     provision it, and keep it running until Ctrl-C.
  outbox replay --since T [--until T] [--event-type TYPE] [--dry-run]
                     Publish again the EMR's events created in a time window, as sealed (same
                     event ids: consumers apply each once). For a purged queue or a restored
                     consumer database.
  outbox purge [--older-than-days N]
                     Delete events published more than N days ago (default 30, or
                     CLINIC_OUTBOX_RETENTION_DAYS); pending events are never deleted.
  dlq <list|show|redrive|purge>  Dead-lettered messages: what and why, redrive, purge
                     ("dlq --help" for details).
  audit verify [app] Re-compute the audit trail's hash chain of every app (or one); exits 1
                     naming the first broken entry.
  audit list [app] [--patient ID] [--subject S] [--limit N]
                     The newest audit entries: who accessed what, when, from where, outcome.
  login <username> [--print] [--password-stdin]
                     Sign in as a member of staff (authorization code + PKCE) and keep the
                     session; --print prints only the access token, for curl:
                     TOKEN=$(npm run -s clinic -- login physician --print)
  token <username>   A fresh access token from the kept session (refreshed when needed).
  logout <username>  Sign out: revoke the refresh token, end the session, delete the file.
  staff              The synthetic staff: usernames, roles, pharmacy, passwords (embedded).
  help               Show this text.

The profile comes from CLINIC_PROFILE: "embedded" (default, no cloud, no KMS) or "aws" (any
AWS-API endpoint, chosen with AWS_ENDPOINT_URL, AWS_REGION and the usual credentials).
See README.md, "Configuration", for every variable.`;

const DOCTOR_USAGE = `Usage: npm run clinic -- doctor [--problems] [--verbose]

Reads the live configuration of the topology (topic, queues, dead-letter queues, subscriptions,
keys) and checks what emulators do not enforce: key policies, queue policies, key state,
AWS-managed keys, TLS-only policies, data-key reuse, PHI-free routing. Read-only: it changes
nothing; the fix of most findings is "npm run clinic -- provision".

Output, grouped by resource: one line per resource with its verdict, then each warning and
failure with its check id and its fix.

Options:
  --problems   only the resources with a warning or a failure
  --verbose    every check, passes included, with its id
  --help, -h   this text

Exit code: 0 when no check failed (warnings allowed), 1 when one did, 2 for bad settings.
The profile and endpoint come from CLINIC_PROFILE, AWS_ENDPOINT_URL and AWS_REGION.`;

/** Commands that take "--help" here; dlq, audit and login/token/logout/staff answer it themselves. */
const HELP_HERE = new Set(['start', 'demo', 'provision', 'migrate', 'doctor', 'stack', 'outbox']);

const out: Output = { line: (text) => process.stdout.write(`${text}\n`) };

/** Runs one command line; resolves the exit code (2 for bad arguments, after the usage). */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out.line(USAGE);
    return command ? 0 : 2;
  }
  // "<command> --help" explains the command and runs nothing (it used to run the doctor).
  if (HELP_HERE.has(command) && rest.some((a) => a === '--help' || a === '-h')) {
    out.line(command === 'doctor' ? DOCTOR_USAGE : USAGE);
    return 0;
  }
  const config = loadMessagingConfig();
  switch (command) {
    case 'provision':
      await provision(config, out);
      return 0;
    case 'migrate': {
      const at = rest.indexOf('--app');
      await migrate(config, out, process.env, at >= 0 ? (rest[at + 1] ?? '') : undefined);
      return 0;
    }
    case 'doctor':
      return (await doctor(config, out, {
        onlyProblems: rest.includes('--problems'),
        verbose: rest.includes('--verbose') || rest.includes('-v'),
      }))
        ? 0
        : 1;
    case 'start':
      return runClinic(config, out);
    case 'outbox':
      return outboxCommand(config, out, rest);
    case 'demo':
      return (await runDemo(config, out)) ? 0 : 1;
    case 'stack': {
      const stack = await startEmbeddedStack(config, out);
      out.line('\nThe embedded stack is running. Press Ctrl-C to stop it.');
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      out.line('Stopping the embedded stack...');
      await stack.stop();
      return 0;
    }
    case 'dlq':
      return runDlq(rest, config, processDlqIo());
    case 'audit':
      return auditCommand(config, out, rest);
    case 'login':
    case 'token':
    case 'logout':
    case 'staff':
      if (rest.includes('--help') || rest.includes('-h')) {
        out.line(LOGIN_USAGE);
        return 0;
      }
      return runLoginCommand(command, rest, config, processLoginIo());
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}\n`);
      return 2;
  }
}

// Run only as the program, not when a test imports main().
if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      const failure = failureOf(error);
      process.stderr.write(failure.text);
      process.exit(failure.exitCode);
    },
  );
}
