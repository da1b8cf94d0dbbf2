import { findMotoServer } from './moto-server';

describe('findMotoServer', () => {
  const noMoto = { PATH: '/nonexistent-dir' };

  it('fails in CI when moto_server is missing, so a suite never skips silently there', () => {
    expect(() => findMotoServer({ ...noMoto, CI: 'true' })).toThrow(
      /moto_server is not on PATH.*CI must run/,
    );
  });

  it('warns loudly and returns undefined outside CI', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(findMotoServer(noMoto)).toBeUndefined();
      expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING moto suites'));
    } finally {
      warn.mockRestore();
    }
  });
});
