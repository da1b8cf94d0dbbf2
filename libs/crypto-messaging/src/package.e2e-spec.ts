/**
 * The library as a package: `pack.mjs` builds and packs it, the tarball is installed offline
 * into an empty project (its dependencies copied from this repo's node_modules, as a registry
 * would have delivered them), and there a script requires every entry of `exports`, and the
 * README's quick start compiles against the package's typings and runs against a broker.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import * as ts from 'typescript';
import { startEmbeddedBroker } from '@app/crypto-messaging/embedded';

const run = promisify(execFile);
const LIB = path.resolve(__dirname, '..');
const REPO = path.resolve(LIB, '..', '..');
const NAME = '@clinic/crypto-messaging';
const manifest = JSON.parse(readFileSync(path.join(LIB, 'package.json'), 'utf8')) as {
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
};

const rootManifest = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

interface PackageJson {
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  optionalDependencies?: Record<string, string>;
}

/** Where Node would find `name` from `fromDir`, walking up the node_modules folders. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', name);
    if (existsSync(path.join(candidate, 'package.json'))) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Copies `names` and everything they need (dependencies, required peers) from the repo's
 * node_modules into `dest`, keeping the layout: an offline stand-in for the registry. Copies,
 * not links, so npm can never write into the repo's node_modules.
 */
function copyDependencyClosure(names: readonly string[], dest: string): void {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as PackageJson;
    const required = Object.keys(pkg.peerDependencies ?? {}).filter(
      (peer) => !pkg.peerDependenciesMeta?.[peer]?.optional,
    );
    for (const name of [
      ...Object.keys(pkg.dependencies ?? {}),
      ...Object.keys(pkg.optionalDependencies ?? {}),
      ...required,
    ]) {
      const found = resolvePackageDir(name, dir);
      if (found) visit(found);
    }
  };
  for (const name of names) {
    const found = resolvePackageDir(name, REPO);
    if (!found) throw new Error(`${name} is not installed in the repo`);
    visit(found);
  }
  for (const dir of seen) {
    cpSync(dir, path.join(dest, path.relative(REPO, dir)), {
      recursive: true,
      filter: (source) => !source.slice(dir.length).includes(`${path.sep}node_modules`),
    });
  }
}

/** The ```ts blocks of the README's quick start, in order. */
function quickStartBlocks(): string[] {
  const readme = readFileSync(path.join(LIB, 'README.md'), 'utf8');
  const start = readme.indexOf('## Quick start (as a package)');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end);
  return [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
}

describe(`${NAME} as a package`, () => {
  let work: string;
  let app: string;
  let tarball: string;

  beforeAll(async () => {
    work = mkdtempSync(path.join(tmpdir(), 'crypto-messaging-package-'));
    const { stdout } = await run(process.execPath, [
      path.join(LIB, 'pack.mjs'),
      '--stage',
      path.join(work, 'stage'),
      '--out',
      path.join(work, 'out'),
    ]);
    tarball = (JSON.parse(stdout.trim().split('\n').pop()!) as { tarball: string }).tarball;

    // An adopter's project: its own NestJS (with the HTTP platform the quick start's consumer
    // app runs on) and zod, then the tarball, installed offline.
    app = path.join(work, 'app');
    const own = {
      ...manifest.peerDependencies,
      zod: manifest.dependencies.zod,
      '@nestjs/platform-express': rootManifest.dependencies['@nestjs/platform-express'],
    };
    mkdirSync(app);
    writeFileSync(
      path.join(app, 'package.json'),
      JSON.stringify({ name: 'adopter', version: '1.0.0', private: true, dependencies: own }),
    );
    copyDependencyClosure([...Object.keys(manifest.dependencies), ...Object.keys(own), '@types/node'], app);
    // npm 11.19 checks a package's peers against the registry's metadata, which an offline
    // install cannot read ("Found: @nestjs/common@undefined"), so the install leaves peers
    // alone and `npm ls --all` checks them, offline, against what is installed: it exits 1 on
    // a missing or out-of-range dependency or peer. (With --legacy-peer-deps the install
    // removes a copied package that is only some dependency's peer; none is today. If a
    // dependency update brings one, `npm ls` reports it missing: list it in `own` above.)
    await run(
      'npm',
      [
        'install',
        '--offline',
        '--legacy-peer-deps',
        '--no-audit',
        '--no-fund',
        '--ignore-scripts',
        '--loglevel=error',
        tarball,
      ],
      { cwd: app },
    );
    await run('npm', ['ls', '--all', '--offline', '--loglevel=error'], { cwd: app });
  }, 180_000);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs compiled JS, typings, the README and the manifest only', async () => {
    const { stdout } = await run('tar', ['tzf', tarball]);
    const files = stdout.trim().split('\n');
    expect(files).toEqual(
      expect.arrayContaining([
        'package/package.json',
        'package/README.md',
        'package/dist/index.js',
        'package/dist/index.d.ts',
      ]),
    );
    expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
    expect(files.filter((f) => /spec|examples\//.test(f))).toEqual([]);
  });

  it('resolves every entry of `exports` to JS and typings, loading nothing from outside the installed project', async () => {
    const entries = Object.entries(manifest.exports).filter(([sub]) => sub !== './package.json');
    expect(entries.length).toBeGreaterThan(0);
    for (const [, target] of entries) {
      const typings = typeof target === 'string' ? target : target.types;
      expect(existsSync(path.join(app, 'node_modules', NAME, typings))).toBe(true);
    }
    // Builds a topology value and a publisher, and seals an event: the Encryption SDK, zod and
    // the AWS SDK all load from the package's own dependencies. No network call.
    const script = `
      const path = require('node:path');
      const { randomBytes } = require('node:crypto');
      const { z } = require('zod');
      const entries = ${JSON.stringify(entries.map(([sub]) => sub))};
      const loaded = Object.fromEntries(entries.map((sub) => [sub, Object.keys(require('${NAME}' + sub.slice(1))).length]));
      const m = require('${NAME}');
      const topology = { prefix: 'pkg', publisher: 'orders', keys: [], queues: [], dataKeyReusePeriodS: 300,
        topic: { name: 'pkg-order-events', keyRef: 'orders' } };
      const clients = m.createAwsClients({ region: 'us-east-1', endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
      const monitor = new m.KeyUseMonitor('orders');
      const cipher = new m.EnvelopeCipher({ keys: m.localKeyProvider(randomBytes(32), 'orders', monitor), monitor });
      const publisher = new m.EncryptedPublisher({ sns: clients.sns, topicArn: 'arn:aws:sns:us-east-1:000000000000:pkg-order-events',
        topicName: topology.topic.name, cipher });
      const event = m.defineEvent('order.placed', 1, z.object({ sku: z.string() }));
      publisher.sealer.seal({ event, data: { sku: 'SKU-1' } }).then(async (sealed) => {
        const opened = JSON.parse(String(await cipher.decrypt(sealed.body, publisher.contextFor(event))));
        clients.destroy();
        const outside = Object.keys(require.cache).filter((f) => !f.startsWith(__dirname + path.sep));
        console.log(JSON.stringify({ loaded, outside, attributes: sealed.attributes, data: opened.data }));
      });
    `;
    writeFileSync(path.join(app, 'check.cjs'), script);
    const { stdout } = await run(process.execPath, ['check.cjs'], { cwd: app });
    const result = JSON.parse(stdout) as {
      loaded: Record<string, number>;
      outside: string[];
      attributes: Record<string, string>;
      data: unknown;
    };
    for (const [sub] of entries) expect(result.loaded[sub]).toBeGreaterThan(0);
    expect(result.outside).toEqual([]);
    expect(result.attributes).toMatchObject({ 'event-type': 'order.placed', 'schema-version': '1' });
    expect(result.data).toEqual({ sku: 'SKU-1' });
  }, 60_000);

  it('runs the README quick start from the package: it type-checks against the typings and delivers an event', async () => {
    const blocks = quickStartBlocks();
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    const source = blocks.join('\n');
    writeFileSync(path.join(app, 'quick-start.mts'), source);
    writeFileSync(
      path.join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'ES2022',
          strict: true,
          experimentalDecorators: true,
          emitDecoratorMetadata: true,
          skipLibCheck: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['quick-start.mts'],
      }),
    );
    const tsc = require.resolve('typescript/bin/tsc');
    await run(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: app }).catch(
      (error: { stdout?: string }) => {
        throw new Error(`the quick start does not type-check against the package:\n${error.stdout}`);
      },
    );
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        experimentalDecorators: true,
        emitDecoratorMetadata: true,
      },
    });
    writeFileSync(path.join(app, 'quick-start.mjs'), outputText);
    const broker = await startEmbeddedBroker({ port: 0 });
    try {
      const { stdout } = await run(process.execPath, ['quick-start.mjs'], {
        cwd: app,
        env: { ...process.env, AWS_ENDPOINT_URL: broker.endpoint },
        timeout: 60_000,
      });
      expect(stdout).toMatch(/^shipping order [0-9a-f-]{36}$/m);
      expect(stdout).toMatch(/^quick start done$/m);
    } finally {
      await broker.stop();
    }
  }, 120_000);
});
