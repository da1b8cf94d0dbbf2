/** Node's socket errors of a database out of reach: refused, reset, timed out, unroutable. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH']);

/**
 * Failures of `connect` over a Unix-domain socket: no socket file (ENOENT, the server is
 * stopped), and a full listen queue (EAGAIN: a stalled server accepts nobody, and over a socket
 * the kernel refuses at once where TCP would make the client wait). Elsewhere these codes are
 * not about the database.
 */
const UNREACHABLE_SOCKET_CONNECT_CODES = new Set(['ENOENT', 'EAGAIN']);

/**
 * Whether `error` is a socket error of a database out of reach (nothing to do with a statement):
 * one of {@link UNREACHABLE_CODES}, or one of {@link UNREACHABLE_SOCKET_CONNECT_CODES} from
 * `connect`.
 */
export function isUnreachableSocket(error: object): boolean {
  const { code, syscall } = error as { code?: unknown; syscall?: unknown };
  return (
    typeof code === 'string' &&
    (UNREACHABLE_CODES.has(code) || (syscall === 'connect' && UNREACHABLE_SOCKET_CONNECT_CODES.has(code)))
  );
}
