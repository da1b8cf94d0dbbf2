import { createLogger } from './bootstrap';

describe('createLogger (pretty, for npm start)', () => {
  let written: string[];
  let write: jest.SpyInstance;
  beforeEach(() => {
    written = [];
    write = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => write.mockRestore());

  it('prints a line without a context once, with no stray "undefined"', () => {
    createLogger({ app: 'emr', logFormat: 'pretty' }).log('EMR listening on http://127.0.0.1:3000');
    const lines = written.join('').split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('EMR listening');
    expect(lines[0]).not.toContain('undefined');
  });

  it("hides Nest's start-up chatter and keeps other contexts", () => {
    const logger = createLogger({ app: 'billing', logFormat: 'pretty' });
    logger.log('Mapped {/invoices, GET} route', 'RouterExplorer');
    logger.log('invoice created', 'InvoicesService');
    const text = written.join('');
    expect(text).not.toContain('Mapped');
    expect(text).toContain('invoice created');
  });
});
