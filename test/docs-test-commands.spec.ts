/**
 * The test commands the docs hand a reader (`npm test -- <file> [-t <name>]`, lab 5 and the
 * library's README) name a spec that exists and, with `-t`, a test in it: a renamed file or test
 * would otherwise leave a lab pointing at nothing (jest runs zero tests and says so quietly).
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DOCS = ['README.md', 'docs/workshop.md', 'docs/reliability.md', 'libs/crypto-messaging/README.md'];

const commands = DOCS.filter((doc) => existsSync(path.join(ROOT, doc))).flatMap((doc) =>
  [...readFileSync(path.join(ROOT, doc), 'utf8').matchAll(/npm test -- (\S+\.ts)(?: -t (\w+))?/g)].map(
    (m) => ({ doc, file: m[1], name: m[2] }),
  ),
);

describe('test commands in the docs', () => {
  it('finds some (a scan that found none would prove nothing)', () => {
    expect(commands.length).toBeGreaterThanOrEqual(4);
  });

  it.each(
    commands.map((c) => [`${c.doc}: npm test -- ${c.file}${c.name ? ` -t ${c.name}` : ''}`, c] as const),
  )('%s runs something', (_label, { file, name }) => {
    const spec = path.join(ROOT, file);
    expect({ file, exists: existsSync(spec) }).toEqual({ file, exists: true });
    if (name) {
      const titles = [
        ...readFileSync(spec, 'utf8').matchAll(/\b(?:describe|it)(?:\.each\([^)]*\))?\(\s*(['"`])(.*?)\1/g),
      ].map((m) => m[2]);
      expect(titles.some((t) => t.includes(name))).toBe(true);
    }
  });
});
