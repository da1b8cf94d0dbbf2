/** Node's socket errors of a database out of reach: refused, reset, timed out, unroutable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Whether `error` is a socket error of a database out of reach (nothing to do with a statement):
 * one of {@link UNREACHABLE_CODES}, or, over a Unix-domain socket, no socket file to connect to
 * (`connect ENOENT`: the server is stopped). Any other ENOENT is not about the database.
 */
export function isUnreachableSocket(error: object): boolean {
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return (
    typeof code === 'string' && (UNREACHABLE_CODES.has(code) || (code === 'ENOENT' && syscall === 'connect'))
  );
}
