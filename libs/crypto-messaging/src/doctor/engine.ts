/**
 * The doctor's checks are rows of a table, `{ id, test, fix }`, evaluated over subjects (a
 * key, a queue ...) that carry the planned and the live state. This is the one engine.
 */
import type { CheckStatus, DoctorCheck } from './doctor.types';

/** What a row's test says about one subject. */
export interface Verdict {
  readonly status: CheckStatus;
  readonly message: string;
}

/** What fixes may name: the application's own steps, and an `aws` CLI command for the endpoint. */
export interface FixContext {
  readonly provision: string;
  readonly awsProfile: string;
  /** Completes an `aws` CLI command with `--endpoint-url` where the endpoint is not AWS itself. */
  readonly aws: (command: string) => string;
}

/** What every subject has: the label its checks are reported under. */
export interface Subject {
  readonly resource: string;
}

/** One check: its id, its test (undefined: not applicable to this subject) and its fix. */
export interface CheckRow<S extends Subject> {
  /** Stable id; `{field}` is replaced by the subject's field (`{kind}.encryption`). */
  readonly id: string;
  readonly test: (subject: S) => Verdict | undefined;
  /** Given on every warn and fail. */
  readonly fix: (subject: S, context: FixContext) => string;
}

export const pass = (message: string): Verdict => ({ status: 'pass', message });
export const warn = (message: string): Verdict => ({ status: 'warn', message });
export const fail = (message: string): Verdict => ({ status: 'fail', message });

/** Every applicable row for every subject, subject by subject, rows in table order. */
export function evaluate<S extends Subject>(
  rows: readonly CheckRow<S>[],
  subjects: readonly S[],
  context: FixContext,
): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  for (const subject of subjects) {
    for (const row of rows) {
      const verdict = row.test(subject);
      if (!verdict) continue;
      const id = row.id.replace(/\{(\w+)\}/g, (_, field: string) =>
        String((subject as unknown as Record<string, unknown>)[field]),
      );
      checks.push({
        id,
        status: verdict.status,
        resource: subject.resource,
        message: verdict.message,
        ...(verdict.status === 'pass' ? {} : { fix: row.fix(subject, context) }),
      });
    }
  }
  return checks;
}
