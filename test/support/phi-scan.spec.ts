import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { canaryPatient, readTree, scanForPhi } from './phi-scan';

describe('the PHI scan', () => {
  it('finds each canary value wherever it was written, and nothing in clean text', () => {
    const canary = { ...canaryPatient(), mrn: 'SYN-987654' };
    const clean = [{ source: 'app.log', text: 'record accepted {"eventId":"7d1c"}\n' }];
    expect(scanForPhi(clean, [canary])).toEqual([]);
    const leaked = [
      { source: 'emr.log', text: `query failed: params ["${canary.familyName}","${canary.dateOfBirth}"]` },
      { source: 'cli.out', text: `mrn=${canary.mrn} phone=${canary.phone}` },
    ];
    const hits = scanForPhi(leaked, [canary]);
    expect(hits.map((h) => `${h.source}:${h.field}`).sort()).toEqual(
      ['cli.out:mrn', 'cli.out:phone', 'emr.log:dateOfBirth', 'emr.log:familyName'].sort(),
    );
    expect(hits.every((h) => !h.around.includes(h.value))).toBe(true);
  });

  it('reads binary files byte for byte and skips the folders it is told to', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'phi-scan-'));
    try {
      const canary = canaryPatient();
      mkdirSync(path.join(dir, 'broker'));
      mkdirSync(path.join(dir, 'postgres'));
      writeFileSync(
        path.join(dir, 'broker', 'store.sqlite'),
        Buffer.concat([Buffer.from([0, 255, 1]), Buffer.from(canary.givenName), Buffer.from([0])]),
      );
      writeFileSync(path.join(dir, 'postgres', 'table'), canary.familyName);
      const hits = scanForPhi(readTree(dir, ['postgres']), [canary]);
      expect(hits.map((h) => h.field)).toEqual(['givenName']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('makes canaries that a patient request accepts and that differ run to run', () => {
    const a = canaryPatient();
    const b = canaryPatient();
    expect(a.givenName).not.toBe(b.givenName);
    expect(a.dateOfBirth).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(a.phone).toMatch(/^\+?[0-9 ().-]{7,20}$/);
  });
});
