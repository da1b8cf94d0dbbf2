// Builds @clinic/crypto-messaging into a staging folder (compiled JS + d.ts, package.json,
// README) and packs it with `npm pack`. Usage:
//   node libs/crypto-messaging/pack.mjs [--stage DIR] [--out DIR]
// Prints one JSON line: {"tarball": "<path>", "stage": "<path>"}. It refuses to pack a build that
// imports anything of the monorepo (`@app/...`): the package must stand on its own.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

const HERE = import.meta.dirname;
const ROOT = path.resolve(HERE, '..', '..');
const require = createRequire(import.meta.url);

/** Every `require('@app/...')` or `from '@app/...'` left in the build, as file: specifier. */
export function monorepoImports(dir) {
  const found = [];
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(c|m)?js$|\.d\.ts$/.test(entry.name)) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/(?:require\(|from\s+|import\()\s*['"](@app\/[^'"]*)['"]/g)) {
      found.push(`${path.relative(dir, file)}: ${match[1]}`);
    }
  }
  return found;
}

/** Compiles the package into `stage`, checks it, and packs it into `out`; returns the tarball. */
export function packCryptoMessaging({ stage, out }) {
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(stage, { recursive: true });
  mkdirSync(out, { recursive: true });
  const tsc = require.resolve('typescript/bin/tsc', { paths: [ROOT] });
  const outDir = path.join(stage, 'dist');
  execFileSync(process.execPath, [tsc, '-p', path.join(HERE, 'tsconfig.package.json'), '--outDir', outDir], {
    stdio: 'inherit',
  });
  // tsc copies no assets: the ES-module launchers (a broker started in a process of its own).
  for (const entry of readdirSync(path.join(HERE, 'src'), { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.mjs')) continue;
    const from = path.join(entry.parentPath, entry.name);
    const to = path.join(outDir, path.relative(path.join(HERE, 'src'), from));
    mkdirSync(path.dirname(to), { recursive: true });
    copyFileSync(from, to);
  }
  const leaks = monorepoImports(outDir);
  if (leaks.length) throw new Error(`the build imports the monorepo, not a package:\n${leaks.join('\n')}`);
  for (const file of ['package.json', 'README.md'])
    copyFileSync(path.join(HERE, file), path.join(stage, file));
  const packed = JSON.parse(
    execFileSync('npm', ['pack', stage, '--pack-destination', out, '--json', '--ignore-scripts'], {
      encoding: 'utf8',
    }),
  );
  return path.join(out, packed[0].filename);
}

if (process.argv[1] === import.meta.filename) {
  const { values } = parseArgs({ options: { stage: { type: 'string' }, out: { type: 'string' } } });
  const stage = path.resolve(values.stage ?? path.join(ROOT, 'dist', 'packages', 'crypto-messaging'));
  const out = path.resolve(values.out ?? path.join(ROOT, 'dist', 'packages'));
  const tarball = packCryptoMessaging({ stage, out });
  process.stdout.write(JSON.stringify({ tarball, stage }) + '\n');
}
