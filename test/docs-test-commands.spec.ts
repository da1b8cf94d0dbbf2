/**
 * The commands and paths the docs hand a reader exist:
 * - each test command (`npm test -- <file> [-t <name>]`, lab 5 and the library's README) names
 *   a spec that exists and, with `-t`, a test in it: a renamed file or test would otherwise leave
 *   a lab pointing at nothing (jest runs zero tests and says so quietly);
 * - each `npm run <script>` is a script of package.json;
 * - each file or folder of the repository they cite (in backticks or as a relative link) exists,
 *   so a moved file cannot leave the architecture or the library's README pointing at nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const DOCS = ['README.md', 'docs/workshop.md', 'docs/reliability.md', 'libs/crypto-messaging/README.md'];

/** The docs whose cited paths are checked: the project's map and the library's. */
const PATH_DOCS = [
  'README.md',
  'docs/architecture.md',
  'libs/crypto-messaging/README.md',
  'docs/adr/0005-transport-shape.md',
  'docs/adr/0014-clinic-agnostic-messaging.md',
  'docs/adr/0015-package-graph.md',
  'docs/adr/0022-connection-pool-sizes.md',
  'docs/adr/0023-silent-broker-connections.md',
  'docs/adr/0024-records-saved-in-groups.md',
  'docs/reliability.md',
  'docs/performance.md',
];

/**
 * Paths a doc names on purpose although they do not exist: what a reader creates, or what a
 * command writes.
 */
const ABSENT_ON_PURPOSE = new Set([
  'apps/labs/src/', // the fifth app a reader would add (docs/architecture.md, "Adding an app")
]);

/** Where a path in a doc may be relative to: the repo, the doc's folder, the library's source. */
const BASES = (doc: string) => [
  ROOT,
  path.join(ROOT, path.dirname(doc)),
  path.join(ROOT, 'libs/crypto-messaging'),
];

/** Top folders of the repository: a backticked token under one of them is a path. */
const REPO_PATH = /^(apps|libs|tools|bench|infra|test|docs|src)\/[\w./-]*$/;

const read = (doc: string) => readFileSync(path.join(ROOT, doc), 'utf8');

const commands = DOCS.filter((doc) => existsSync(path.join(ROOT, doc))).flatMap((doc) =>
  [...read(doc).matchAll(/npm test -- (\S+\.ts)(?: -t (\w+))?/g)].map((m) => ({
    doc,
    file: m[1],
    name: m[2],
  })),
);

/** Every repository path a doc cites: backticked tokens and relative link targets. */
function citedPaths(doc: string): string[] {
  const text = read(doc);
  const ticked = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]).filter((t) => REPO_PATH.test(t));
  const linked = [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1].replace(/#.*$/, ''))
    .filter((t) => t !== '' && !/^[a-z]+:/.test(t));
  return [...new Set([...ticked, ...linked])].filter((t) => !ABSENT_ON_PURPOSE.has(t));
}

const scripts = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);

/** The CLI's commands: each is a `case '<command>':` of tools/clinic/main.ts. */
const clinicCommands = new Set(
  [...read('tools/clinic/main.ts').matchAll(/case '([a-z]+)':/g)].map((m) => m[1]),
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

describe('paths and scripts the docs cite', () => {
  it.each(PATH_DOCS)('%s cites only paths that exist', (doc) => {
    const cited = citedPaths(doc);
    expect(cited.length).toBeGreaterThan(3);
    const missing = cited.filter((p) => !BASES(doc).some((base) => existsSync(path.join(base, p))));
    expect(missing).toEqual([]);
  });

  it.each(PATH_DOCS)('%s runs only npm scripts, and clinic commands, that exist', (doc) => {
    const named = [...read(doc).matchAll(/npm run (?:-s )?([\w:-]+)/g)].map((m) => m[1]);
    expect(named.filter((script) => !scripts.includes(script))).toEqual([]);
    const clinic = [...read(doc).matchAll(/npm run (?:-s )?clinic -- ([a-z]+)/g)].map((m) => m[1]);
    expect(clinic.filter((command) => !clinicCommands.has(command))).toEqual([]);
  });

  it('knows a missing path when it sees one (the check can fail)', () => {
    expect(existsSync(path.join(ROOT, 'libs/crypto-messaging/src/topology/clinic.topology.ts'))).toBe(false);
    expect(REPO_PATH.test('libs/crypto-messaging/src/topology/clinic.topology.ts')).toBe(true);
    expect(clinicCommands.has('provision')).toBe(true);
    expect(clinicCommands.has('provisoin')).toBe(false);
  });
});
