import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadMessagingConfig } from '@app/clinic';
import { startClinic } from './start';

describe('npm start: settings checked before anything starts', () => {
  const saved = process.env.CLINIC_BILLING_DATABASE_POOL_SIZE;
  let stateDir: string;
  beforeEach(() => (stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-start-'))));
  afterEach(() => {
    if (saved === undefined) delete process.env.CLINIC_BILLING_DATABASE_POOL_SIZE;
    else process.env.CLINIC_BILLING_DATABASE_POOL_SIZE = saved;
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("refuses a consumer's pool size that does not fit, naming it, with nothing started", async () => {
    // Billing is not among the apps started first (the demo starts the consumers later): its
    // setting is checked all the same.
    process.env.CLINIC_BILLING_DATABASE_POOL_SIZE = '12';
    const lines: string[] = [];
    const config = loadMessagingConfig({ CLINIC_PROFILE: 'embedded', CLINIC_STATE_DIR: stateDir });
    await expect(startClinic(config, { line: (l) => lines.push(l) }, ['emr'])).rejects.toThrow(
      'CLINIC_BILLING_DATABASE_POOL_SIZE is 12, but the billing app handles 20 messages at once',
    );
    // No PostgreSQL, broker or app was started: the state folder is as it was.
    expect(readdirSync(stateDir)).toEqual([]);
    expect(lines.join('\n')).not.toMatch(/PostgreSQL|broker|migrat/i);
  });
});
