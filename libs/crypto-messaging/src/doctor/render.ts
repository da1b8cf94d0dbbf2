import type { CheckStatus, DoctorCheck, DoctorReport } from './doctor';

const LABEL = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' } as const;

/** Lines of the rendered report stay shorter than this (a terminal's width, a workshop slide). */
export const DOCTOR_LINE_WIDTH = 99;

/** Column at which a resource's verdict starts on its heading line. */
const VERDICT_COLUMN = 44;
const CHECK_INDENT = '  ';
/** Under a check's label (`  FAIL  `): its continuation lines and its fix. */
const TEXT_INDENT = '        ';

/** Options of {@link renderDoctorReport}. */
export interface DoctorRenderOptions {
  /** Only the resources with a warning or a failure, and only those checks. */
  readonly onlyProblems?: boolean;
  /** Every check with its message and id, passes included. */
  readonly verbose?: boolean;
}

/**
 * Renders the doctor's findings as plain text, grouped by resource: one heading line per
 * resource with its verdict, then each warning and failure (every check with `verbose`) with
 * its id and the fix, wrapped to {@link DOCTOR_LINE_WIDTH} characters; a summary line last.
 */
export function renderDoctorReport(report: DoctorReport, options: DoctorRenderOptions = {}): string {
  const groups = new Map<string, DoctorCheck[]>();
  for (const check of report.checks) {
    const group = groups.get(check.resource) ?? [];
    group.push(check);
    groups.set(check.resource, group);
  }
  const lines: string[] = [];
  for (const [resource, checks] of groups) {
    const problems = checks.filter((c) => c.status !== 'pass');
    if (options.onlyProblems && problems.length === 0) continue;
    lines.push(...heading(resource, checks));
    for (const check of options.verbose && !options.onlyProblems ? checks : problems) {
      lines.push(
        ...wrap(`${check.message}  [${check.id}]`, `${CHECK_INDENT}${LABEL[check.status]}  `, TEXT_INDENT),
      );
      if (check.fix && check.status !== 'pass')
        lines.push(...wrap(`fix: ${check.fix}`, TEXT_INDENT, TEXT_INDENT));
    }
  }
  const count = (status: CheckStatus) => report.checks.filter((c) => c.status === status).length;
  lines.push(
    '',
    `${report.ok ? 'OK' : 'NOT OK'}: ${count('pass')} passed, ${count('warn')} ${count('warn') === 1 ? 'warning' : 'warnings'}, ${count('fail')} failed`,
  );
  if (!options.verbose) lines.push('(--verbose shows every check, passes included)');
  return lines.join('\n');
}

/** `queue shop-shipping                       FAIL  1 failed, 4 passed`. */
function heading(resource: string, checks: readonly DoctorCheck[]): string[] {
  const n = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
  const [failed, warned, passed] = [n('fail'), n('warn'), n('pass')];
  const verdict = failed > 0 ? 'fail' : warned > 0 ? 'warn' : 'pass';
  const counts = [
    ...(failed ? [`${failed} failed`] : []),
    ...(warned ? [`${warned} ${warned === 1 ? 'warning' : 'warnings'}`] : []),
    ...(passed ? [`${passed} passed`] : []),
  ].join(', ');
  const tail = `${LABEL[verdict]}  ${counts}`;
  if (resource.length + 2 + tail.length <= DOCTOR_LINE_WIDTH) {
    return [`${resource.padEnd(Math.max(VERDICT_COLUMN, resource.length + 2))}${tail}`];
  }
  return [...wrap(resource, '', TEXT_INDENT), `${TEXT_INDENT}${tail}`];
}

/**
 * Word-wraps `text` into lines of at most {@link DOCTOR_LINE_WIDTH} characters, the first after
 * `first`, the rest after `rest`; a word longer than a line (an ARN) is cut. Double spaces
 * inside a line are kept.
 */
function wrap(text: string, first: string, rest: string): string[] {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  const room = () => DOCTOR_LINE_WIDTH - line.length;
  for (let word of text.split(' ')) {
    if (empty && word === '') continue;
    if (!empty && word.length + 1 > room()) {
      lines.push(line);
      line = rest;
      empty = true;
    }
    while (word.length > room() - (empty ? 0 : 1)) {
      const cut = room() - (empty ? 0 : 1);
      line += `${empty ? '' : ' '}${word.slice(0, cut)}`;
      lines.push(line);
      word = word.slice(cut);
      line = rest;
      empty = true;
    }
    line += `${empty ? '' : ' '}${word}`;
    empty = false;
  }
  lines.push(line);
  return lines;
}
