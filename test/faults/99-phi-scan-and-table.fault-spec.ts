/**
 * The end of the fault run: everything the scenarios wrote besides the databases (every app's
 * log, CLI output, a copy of each state folder with the broker's SQLite store) is searched for
 * the canary patients' values, and the results table is printed and written next to them.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeHits, readTree, scanForPhi, type PhiCanary } from '../support/phi-scan';
import { CANARIES_FILE, OUT_DIR, readResults, type ScenarioResult } from './fault-harness';

/** The table as markdown (docs/reliability.md carries a copy with the figures of one run). */
export function resultsTable(results: readonly ScenarioResult[]): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const rows = results.map(
    (r) =>
      `| ${r.scenario} | ${r.records} | ${r.effectsExpected} / ${r.effectsObserved} | ${r.lost} | ${r.duplicated} | ${s(r.recoveryMs)} | ${s(r.durationMs)} |`,
  );
  return [
    '| scenario | records | effects expected / observed | lost | duplicated | recovery | scenario time |',
    '|---|---:|---:|---:|---:|---:|---:|',
    ...rows,
  ].join('\n');
}

describe('after the fault scenarios', () => {
  it('finds no canary PHI in any log, CLI output or state folder, and prints the table', () => {
    const results = readResults();
    const table = resultsTable(results);
    writeFileSync(path.join(OUT_DIR, 'results.md'), `${table}\n`);
    process.stdout.write(`\nFault suite results (${OUT_DIR}):\n${table}\n\n`);

    const canaries = existsSync(path.join(OUT_DIR, CANARIES_FILE))
      ? readFileSync(path.join(OUT_DIR, CANARIES_FILE), 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as PhiCanary)
      : [];
    // The canary list itself holds the values on purpose; everything else is scanned.
    const texts = readTree(OUT_DIR, [CANARIES_FILE]);
    const hits = scanForPhi(texts, canaries);
    const bytes = texts.reduce((n, t) => n + t.text.length, 0);
    const logs = texts.filter((t) => t.source.endsWith('.log')).length;
    const stores = texts.filter((t) => /\.(sqlite|db)(-wal)?$/.test(t.source)).length;
    process.stdout.write(
      `PHI scan: ${texts.length} files (${logs} logs, ${stores} broker stores), ${(bytes / 1024).toFixed(0)} KiB, ${canaries.length} canary patients, ${hits.length} hits\n`,
    );

    expect(results.length).toBeGreaterThan(0);
    expect(results.every((r) => r.lost === 0 && r.duplicated === 0)).toBe(true);
    expect(canaries.length).toBeGreaterThanOrEqual(results.length);
    expect(canaries.every((c) => c.mrn)).toBe(true);
    expect(logs).toBeGreaterThanOrEqual(4);
    expect(stores).toBeGreaterThanOrEqual(1);
    expect(bytes).toBeGreaterThan(200 * 1024);
    expect(describeHits(hits)).toBe('');
  });
});
