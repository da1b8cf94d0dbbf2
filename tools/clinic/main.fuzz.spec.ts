/**
 * Property: any command line that is not a command (unknown words, flags, control characters,
 * broken Unicode, empty strings) ends with exit code 2 and the usage, never an exception. Real
 * commands are left out: they start services or reach the network.
 */
import fc from 'fast-check';
import { LogCapture } from '../../test/support/log-capture';
import { hostileString } from '../../test/support/fuzz';
import { main } from './main';

const COMMANDS = new Set([
  'start',
  'demo',
  'provision',
  'migrate',
  'doctor',
  'stack',
  'login',
  'token',
  'logout',
  'staff',
  'help',
  '--help',
  '-h',
]);

describe('clinic CLI under random arguments', () => {
  it('answers exit code 2 with the usage for anything that is not a command', async () => {
    const word = fc.oneof(
      hostileString,
      fc.constantFrom('--app', '--problems', '-v', '--', '-', '--start', 'START', 'help!', ' start'),
    );
    const argv = fc
      .tuple(
        word.filter((w) => !COMMANDS.has(w)),
        fc.array(word, { maxLength: 4 }),
      )
      .map(([first, rest]) => [first, ...rest]);
    await fc.assert(
      fc.asyncProperty(argv, async (args) => {
        const logs = new LogCapture().start();
        let code: number;
        try {
          code = await main(args);
        } finally {
          logs.stop();
        }
        expect(code).toBe(2);
        expect(logs.text).toContain('Usage: npm run clinic -- <command>');
      }),
      { numRuns: 200, interruptAfterTimeLimit: 5_000, markInterruptAsFailure: false },
    );
  });

  it('answers exit code 2 with the usage for no arguments, and 0 for help', async () => {
    const logs = new LogCapture().start();
    try {
      expect(await main([])).toBe(2);
      expect(await main(['help', '--bogus'])).toBe(0);
    } finally {
      logs.stop();
    }
    expect(logs.text).toContain('Usage: npm run clinic -- <command>');
  });
});
