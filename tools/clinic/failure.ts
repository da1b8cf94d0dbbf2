import { describeClinicError, loadMessagingConfig } from '@app/clinic';
import { MessagingError, MessagingErrorCode, type Profile } from '@app/crypto-messaging';
import { IdentityConfigError } from '@app/identity';
import { PortInUseError } from '@app/local-stack';
import { AppError, describeAppError } from '@app/platform';

/** How the CLI ends on an error: the line for stderr and the exit code (2 for wrong settings). */
export interface Failure {
  readonly text: string;
  readonly exitCode: 1 | 2;
}

/** The profile to phrase a fix for: the configured one, or the default when the settings are wrong. */
function profileOf(env: NodeJS.ProcessEnv): Profile {
  try {
    return loadMessagingConfig(env).profile;
  } catch {
    return 'embedded';
  }
}

/**
 * Our errors are written for people and carry no PHI: their message, and for a library error its
 * fix in the clinic's commands (`npm run clinic -- provision`, `npm start`). Anything else gets
 * its name and message only.
 */
export function failureOf(error: unknown, env: NodeJS.ProcessEnv = process.env): Failure {
  const ours =
    error instanceof MessagingError ||
    error instanceof PortInUseError ||
    error instanceof IdentityConfigError;
  const text =
    error instanceof AppError
      ? `\nerror: ${describeAppError(error)}\n`
      : ours
        ? `\nerror: ${describeClinicError(error, profileOf(env))}\n`
        : `\nerror: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`;
  const config =
    (error instanceof MessagingError && error.code === MessagingErrorCode.Config) ||
    // Settings, migrations: what a person fixes before running the command again.
    error instanceof AppError ||
    error instanceof IdentityConfigError;
  return { text, exitCode: config ? 2 : 1 };
}
