/**
 * The library's README tells an adopter what the doctor checks and what each error code means:
 * its tables are checked here against the code's own tables, so a check or a code added,
 * renamed or given another fix fails this spec until the README says so.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ENDPOINT_CHECKS, PHI_CHECKS } from './doctor/checks/endpoint.checks';
import { KEY_CHECKS, PRINCIPAL_CHECKS } from './doctor/checks/key.checks';
import { QUEUE_CHECKS, TOPIC_CHECKS } from './doctor/checks/resource.checks';
import { SUBSCRIPTION_CHECKS, UNDECLARED_SUBSCRIPTION_CHECKS } from './doctor/checks/subscription.checks';
import { awsCliCommand } from './doctor/doctor';
import type { CheckRow, FixContext, Subject } from './doctor/engine';
import { MessagingErrorCode } from './errors/messaging.error';

const README = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

/** The rows of the first markdown table in `text`, as trimmed cells, header and rule left out. */
function tableRows(text: string): string[][] {
  const lines = text.split('\n').filter((line) => line.startsWith('|'));
  return lines.slice(2).map((line) =>
    line
      .slice(1, -1)
      .split('|')
      .map((cell) => cell.trim().replace(/&lt;/g, '<').replace(/&gt;/g, '>')),
  );
}

const unquote = (cell: string) => cell.replace(/^`|`$/g, '');

/** The library's production source, every file in one string. */
function librarySource(): string {
  return readdirSync(__dirname, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /(?<!spec)\.ts$/.test(entry.name))
    .map((entry) => readFileSync(path.join(entry.parentPath, entry.name), 'utf8'))
    .join('\n');
}

/** The doctor's tables, in the order the README lists them. */
const TABLES: readonly (readonly CheckRow<Subject>[])[] = [
  ENDPOINT_CHECKS,
  KEY_CHECKS,
  PRINCIPAL_CHECKS,
  TOPIC_CHECKS,
  QUEUE_CHECKS,
  SUBSCRIPTION_CHECKS,
  UNDECLARED_SUBSCRIPTION_CHECKS,
  PHI_CHECKS,
] as unknown as (readonly CheckRow<Subject>[])[];

/** The fixes as an adopter sees them without hints, on an AWS endpoint. */
const DEFAULT_FIXES: FixContext = {
  provision: 're-run provisioning',
  awsProfile: 'the aws profile',
  aws: (command) => awsCliCommand(command, undefined),
};

/**
 * One subject every row's fix can be rendered for, with placeholders where a fix names the
 * resource: a disabled key, a principal with no grant, an undeclared subscription.
 */
const EXAMPLE_SUBJECT = {
  resource: '<resource>',
  meta: { KeyId: '<key-id>', KeyState: 'Disabled' },
  sse: { declared: { alias: '<alias>' } },
  grant: 'missing',
  arn: '<arn>',
} as unknown as Subject;

describe('the library README', () => {
  it("lists the doctor's checks as the code's tables hold them: every id, in order, with its fix", () => {
    const start = README.indexOf('<!-- doctor-checks:start -->');
    const end = README.indexOf('<!-- doctor-checks:end -->');
    expect(start).toBeGreaterThan(0);
    expect(end).toBeGreaterThan(start);
    const documented = tableRows(README.slice(start, end)).map(([id, , fix]) => ({ id: unquote(id), fix }));
    const coded = TABLES.flat().map((row) => ({ id: row.id, fix: row.fix(EXAMPLE_SUBJECT, DEFAULT_FIXES) }));
    expect(coded.length).toBeGreaterThan(20);
    expect(documented).toEqual(coded);
  });

  const errors = () => {
    const start = README.indexOf('## Errors');
    return tableRows(README.slice(start, README.indexOf('\n## ', start + 1)));
  };

  it('lists every error code, and no other', () => {
    const documented = errors().map(([code]) => unquote(code));
    expect(documented.sort()).toEqual(Object.values(MessagingErrorCode).sort());
  });

  it("quotes each error's fix as the library writes it", () => {
    const source = librarySource();
    const quoted = errors()
      .map(([, , fix]) => fix)
      .filter((fix) => !fix.startsWith('none'))
      .flatMap((fix) => fix.split(/\s*(?:embedded|aws): /).filter(Boolean));
    expect(quoted.length).toBeGreaterThan(5);
    expect(
      quoted.filter((fix) => ![`'${fix}'`, `"${fix}"`].some((literal) => source.includes(literal))),
    ).toEqual([]);
  });
});
