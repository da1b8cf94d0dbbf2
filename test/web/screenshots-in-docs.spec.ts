/**
 * The pictures of the screen in the README and the workshop are the browser tests' own
 * screenshots (`npm run screenshots` writes them to docs/images/screens): each one shown exists,
 * and each is taken by a browser test, so a picture cannot show a screen the tests do not drive.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = ['README.md', 'docs/workshop.md'];

/** Screenshot names the browser specs take: `checkScreen(page, 'name'` or `screenshot(page, 'name'`. */
function namesTaken(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(__dirname).filter((f) => f.endsWith('.e2e-spec.ts'))) {
    const source = readFileSync(path.join(__dirname, file), 'utf8');
    for (const m of source.matchAll(/(?:checkScreen|screenshot)\(\s*\w+,\s*'([a-z0-9-]+)'/g)) names.add(m[1]);
  }
  return names;
}

describe('pictures of the screen in the docs', () => {
  const taken = namesTaken();

  it.each(DOCS)('%s shows only screenshots the browser tests take, and each file exists', (doc) => {
    const text = readFileSync(path.join(ROOT, doc), 'utf8');
    const shown = [...text.matchAll(/\]\(((?:\.\.\/)?(?:docs\/)?images\/screens\/([a-z0-9-]+)\.png)\)/g)];
    expect(shown.length).toBeGreaterThan(0);
    for (const [, link, name] of shown) {
      expect({ name, taken: taken.has(name) }).toEqual({ name, taken: true });
      expect({ link, exists: existsSync(path.resolve(ROOT, path.dirname(doc), link)) }).toEqual({
        link,
        exists: true,
      });
    }
  });
});
