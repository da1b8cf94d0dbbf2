import { findChromium } from './browser';

describe('finding the Chromium the browser tests drive', () => {
  const none = { PATH: '', CLINIC_CHROMIUM: '/nonexistent/chromium' };

  it('takes CLINIC_CHROMIUM when it exists', () => {
    expect(findChromium({ CLINIC_CHROMIUM: process.execPath })).toBe(process.execPath);
  });

  it('fails in CI when there is none, naming the package to install', () => {
    expect(() => findChromium({ ...none, CI: 'true' })).toThrow(/apt-get install -y chromium|does not exist/);
  });

  it('skips loudly elsewhere', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(findChromium(none)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('SKIPPING browser suites'));
    warn.mockRestore();
  });
});
