import type { DoctorReport } from './doctor';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/**
 * Renders the doctor's findings as plain text: one line per check naming the resource, the
 * fix indented under every warn and fail, and a summary line.
 */
export function renderDoctorReport(report: DoctorReport, options: { onlyProblems?: boolean } = {}): string {
  const lines: string[] = [];
  for (const check of report.checks) {
    if (options.onlyProblems && check.status === 'pass') continue;
    lines.push(`${LABEL[check.status]}  ${check.resource}: ${check.message}  [${check.id}]`);
    if (check.fix && check.status !== 'pass') lines.push(`      fix: ${check.fix}`);
  }
  const count = (status: keyof typeof LABEL) => report.checks.filter((c) => c.status === status).length;
  lines.push(
    '',
    `${report.ok ? 'OK' : 'NOT OK'}: ${count('pass')} passed, ${count('warn')} warnings, ${count('fail')} failed`,
  );
  return lines.join('\n');
}
