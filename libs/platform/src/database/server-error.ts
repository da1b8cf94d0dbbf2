/**
 * The SQLSTATE of an error PostgreSQL itself sent (pg's DatabaseError: a severity and a
 * five-character code), also inside TypeORM's QueryFailedError; `undefined` for the client's own
 * errors (a socket error has a code but no severity, a read timeout neither).
 */
export function serverSqlStateOf(error: unknown): string | undefined {
  for (const e of [error, (error as { driverError?: unknown } | null)?.driverError]) {
    const { code, severity } = (e ?? {}) as { code?: unknown; severity?: unknown };
    if (typeof code === 'string' && typeof severity === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}
