/** What went wrong in an app (or the tools that run it), as a stable code the CLI can map. */
export enum AppErrorCode {
  /** The port an app (or a part of the stack) should listen on is taken by another process. */
  PortInUse = 'PORT_IN_USE',
  /** A database migration (or the app's own login that goes with it) failed. */
  MigrationFailed = 'MIGRATION_FAILED',
  /** A setting of the app is missing, malformed or contradicts another (a command's flags too). */
  BadSettings = 'BAD_SETTINGS',
  /** The app's database does not answer (not started, wrong URL, wrong password). */
  DatabaseUnavailable = 'DATABASE_UNAVAILABLE',
  /** The app's database answers but lacks its tables: the migrations have not run. */
  NotMigrated = 'NOT_MIGRATED',
}

/** What may accompany an {@link AppError}. */
export interface AppErrorOptions {
  readonly cause?: unknown;
  /** What to do about it, for a person: "stop the other process or choose another port". */
  readonly fix?: string;
}

/**
 * A failure of an app that has nothing to do with messaging (a busy port, a failed migration,
 * bad settings): a stable code, a message that says what is wrong, and a fix. Written for
 * people, never carrying PHI, so start-up output and the CLI print `message` and `fix` as is.
 */
export class AppError extends Error {
  readonly fix?: string;

  constructor(
    readonly code: AppErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    if (options.fix !== undefined) this.fix = options.fix;
  }
}

/** `message`, then the fix when there is one: how a person reads an AppError, on one line. */
export function describeAppError(error: AppError): string {
  return error.fix === undefined ? error.message : `${error.message} ${error.fix}`;
}
