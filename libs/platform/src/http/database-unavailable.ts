import { isUnreachableSocket } from '../database/unreachable-socket';

/**
 * Which errors mean "the database is not answering right now" (stopped, paused, restarting,
 * out of connections) rather than "this request is wrong" or "this code is wrong". Those are
 * answered 503 with Retry-After. Usually nothing was saved; but a COMMIT the client gave up on
 * (a paused server keeps the bytes) may still take effect when the server resumes, so the
 * answer does not promise it.
 */

/** How long a client should wait before retrying when the database is unavailable, in seconds. */
export const DATABASE_RETRY_AFTER_S = 5;

// PostgreSQL SQLSTATE classes and codes of an unavailable server (not of a bad statement):
// 08 connection exception, 53 insufficient resources, 57P0x shutdown / cannot connect now,
// 57014 statement cancelled by statement_timeout.
const UNAVAILABLE_SQLSTATE = /^(08...|53...|57P0[1-4]|57014)$/;
// Messages of the pg driver and pool, which carry no code (they are fixed strings, no values).
const UNAVAILABLE_MESSAGE =
  /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated( unexpectedly| due to connection timeout)?|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)$/;

/** True when `error` (or the driver error inside a TypeORM QueryFailedError) is an unavailable database. */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; typeof e === 'object' && e !== null && depth < 4; depth++) {
    const { code, message } = e as { code?: unknown; message?: unknown };
    if ((typeof code === 'string' && UNAVAILABLE_SQLSTATE.test(code)) || isUnreachableSocket(e)) return true;
    if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
    e = (e as { driverError?: unknown; cause?: unknown }).driverError ?? (e as { cause?: unknown }).cause;
  }
  return false;
}
