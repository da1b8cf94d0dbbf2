import type { ProvisionReport, ProvisionRow } from './provision';

/**
 * Renders a provisioning report as a plain-text table (no colours, so it reads the same in a
 * terminal, a CI log and a workshop handout).
 */
export function renderProvisionReport(report: ProvisionReport): string {
  const header = ['OUTCOME', 'KIND', 'NAME', 'ENCRYPTION', 'CHANGES'];
  const body = report.rows.map((r) => [r.outcome, r.kind, r.name, r.encryption, r.changes.join(', ') || '-']);
  const lines = table([header, ...body]);
  const counts = countOutcomes(report.rows);
  lines.push(
    '',
    `topic: ${report.topicArn}`,
    `${report.rows.length} resources: ${counts.created} created, ${counts.updated} updated, ${counts.unchanged} unchanged`,
  );
  if (report.profile === 'embedded') {
    lines.push(
      'embedded profile: there is no KMS; the broker stores KmsMasterKeyId but encrypts nothing and enforces no policy.',
      'Message bodies are still envelope-encrypted by the publisher.',
    );
  }
  return lines.join('\n');
}

/** One row as a single progress line, for `onProgress`. */
export function renderProvisionRow(row: ProvisionRow): string {
  const changes = row.changes.length > 0 ? ` (${row.changes.join(', ')})` : '';
  return `${row.outcome.padEnd(9)} ${row.kind.padEnd(17)} ${row.name}${changes}`;
}

function countOutcomes(rows: readonly ProvisionRow[]) {
  const counts = { created: 0, updated: 0, unchanged: 0 };
  for (const row of rows) counts[row.outcome] += 1;
  return counts;
}

/** Left-aligned columns separated by two spaces; the last column is not padded. */
export function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd(),
  );
}
