import { main } from './main';

describe('clinic CLI: "<command> --help"', () => {
  let written: string;
  let write: jest.SpyInstance;
  beforeEach(() => {
    written = '';
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written += String(chunk);
      return true;
    });
  });
  afterEach(() => write.mockRestore());

  it.each([['--help'], ['-h']])('doctor %s prints the doctor help and runs nothing', async (flag) => {
    // A broker port nothing listens on: had the doctor run, it would have failed to reach it.
    const saved = { profile: process.env.CLINIC_PROFILE, port: process.env.CLINIC_BROKER_PORT };
    process.env.CLINIC_PROFILE = 'embedded';
    process.env.CLINIC_BROKER_PORT = '9';
    try {
      await expect(main(['doctor', flag])).resolves.toBe(0);
    } finally {
      for (const [key, value] of [
        ['CLINIC_PROFILE', saved.profile],
        ['CLINIC_BROKER_PORT', saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
    expect(written).toContain('Usage: npm run clinic -- doctor [--problems] [--verbose]');
    expect(written).toContain('--verbose');
    expect(written).not.toContain('Checking the');
  });

  it('provision --help prints the usage instead of provisioning', async () => {
    await expect(main(['provision', '--help'])).resolves.toBe(0);
    expect(written).toContain('Usage: npm run clinic -- <command>');
    expect(written).not.toContain('Provisioning the');
  });
});
