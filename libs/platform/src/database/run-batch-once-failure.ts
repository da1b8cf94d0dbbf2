import { isUnreachableSocket } from './unreachable-socket';

/**
 * SQLSTATE classes of failures that are the database's, not an event's: connection exception
 * (08), insufficient resources (53), operator intervention (57: shutdown, cancel), system error (58).
 */
const SERVER_CLASSES = new Set(['08', '53', '57', '58']);
/**
 * Codes of those classes that one event can cause: a statement timeout or a cancel (57014), by
 * a slow event or one waiting on a lock. Failing the whole batch for them would fail its healthy
 * events with it on every receive, until the dead-letter queue took them all.
 */
const EVENT_CAUSED_CODES = new Set(['57014']);
/** pg's own messages for a connection it lost or could not get (no code on them). */
const CONNECTION_MESSAGES = /connection terminated|timeout exceeded when trying to connect/i;

/**
 * Whether a batch's failure may be one event's doing, so that running the events one by one
 * could turn out differently; false when the database itself failed (unreachable, out of
 * resources, shutting down): one transaction per event would only fail again, slower.
 */
export function isAboutEvents(error: unknown): boolean {
  const failure = (error as { driverError?: unknown } | undefined)?.driverError ?? error;
  if (typeof failure !== 'object' || failure === null) return true;
  const { code, message } = failure as { code?: unknown; message?: unknown };
  if (isUnreachableSocket(failure)) return false;
  if (
    typeof code === 'string' &&
    code.length === 5 &&
    SERVER_CLASSES.has(code.slice(0, 2)) &&
    !EVENT_CAUSED_CODES.has(code)
  )
    return false;
  return !(typeof message === 'string' && CONNECTION_MESSAGES.test(message));
}
