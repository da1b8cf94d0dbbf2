/** Small helpers shared by the benchmark scenarios. */

export interface Measurement {
  readonly name: string;
  readonly records: number;
  readonly seconds: number;
  readonly recordsPerSecond: number;
}

export function measure(name: string, records: number, startedNs: bigint): Measurement {
  const seconds = Number(process.hrtime.bigint() - startedNs) / 1e9;
  return { name, records, seconds, recordsPerSecond: records / seconds };
}

/** Fixed-width table for the terminal. */
export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Progress on stderr, so that stdout stays the report. */
export const progress = (text: string) => process.stderr.write(`  ... ${text}\n`);

/**
 * Resolves when `condition` holds; rejects after `timeoutMs` (benchmarks are bounded). `what`
 * is read at the time of failure, so it can report the progress made.
 */
export async function until(
  condition: () => boolean | Promise<boolean>,
  timeoutMs: number,
  what: string | (() => string),
  pollMs = 10,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) {
      throw new Error(
        `bench: ${typeof what === 'string' ? what : what()} not reached within ${timeoutMs} ms`,
      );
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The p-th percentile (nearest rank) of ascending values. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}
