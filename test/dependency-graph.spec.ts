/**
 * The package graph rule of `npm run lint` (tools/lint/package-graph.mjs, dependency-cruiser's
 * API with .dependency-cruiser.js): clean on the real tree, and failing on a small tree that
 * breaks each rule, so that the check cannot pass by seeing nothing.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..');
const CHECK = path.join(ROOT, 'tools', 'lint', 'package-graph.mjs');

interface GraphReport {
  modules: number;
  violations: Array<{ rule: string; from: string; to: string }>;
  packageCycles: Array<{ packages: string[]; imports: string[] }>;
  knownImports: Array<{ from: string; toPackage: string; stale: boolean }>;
}

/** Runs the check as `npm run lint` does, in `cwd`; resolves its exit code and JSON report. */
function runCheck(cwd: string): Promise<{ code: number; report: GraphReport }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [CHECK, '--json'], { cwd, timeout: 120_000 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') {
        reject(new Error(`the package graph check did not run: ${error.message} ${stderr}`));
        return;
      }
      resolve({ code: error ? (error.code as number) : 0, report: JSON.parse(stdout) as GraphReport });
    });
  });
}

/** Writes `files` (path -> content) under a fresh temporary folder. */
function tree(files: Record<string, string>): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'package-graph-'));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

const TSCONFIG = JSON.stringify({
  compilerOptions: {
    module: 'commonjs',
    moduleResolution: 'node10',
    ignoreDeprecations: '6.0',
    baseUrl: '.',
    paths: {
      '@app/a': ['libs/a/src'],
      '@app/a/*': ['libs/a/src/*'],
      '@app/b': ['libs/b/src'],
      '@app/b/*': ['libs/b/src/*'],
    },
  },
});

describe('the package graph', () => {
  it('has no cycle between packages and no import of another package internals', async () => {
    const { code, report } = await runCheck(ROOT);
    expect(report.violations).toEqual([]);
    expect(report.packageCycles).toEqual([]);
    expect(code).toBe(0);
    // It saw the tree: every package's modules, not an empty cruise.
    expect(report.modules).toBeGreaterThan(300);
    // The known exceptions are tests only, and each still matches an import.
    for (const known of report.knownImports) {
      expect(known.from).toMatch(/\.e2e-spec\.ts$/);
      expect(known.stale).toBe(false);
    }
  }, 120_000);

  describe('on a tree that breaks the rules', () => {
    let dir: string;
    let result: { code: number; report: GraphReport };

    beforeAll(async () => {
      dir = tree({
        'tsconfig.json': TSCONFIG,
        // lib a uses b's entry; a file of b (not reached from b's entry) uses a: a cycle between
        // the packages that no single chain of imports closes.
        'libs/a/src/index.ts': "import { b } from '@app/b';\nexport const a = () => b;\n",
        'libs/b/src/index.ts': 'export const b = 1;\n',
        'libs/b/src/helper.ts': "import { a } from '@app/a';\nexport const helper = a;\n",
        // an app reaching into a lib's insides, another app, and a lib importing an app
        'apps/one/src/main.ts': "import { helper } from '@app/b/helper';\nexport const one = helper;\n",
        'apps/two/src/main.ts': "import { one } from '../../one/src/main';\nexport const two = one;\n",
        'libs/b/src/upward.ts': "import { two } from '../../../apps/two/src/main';\nexport const up = two;\n",
        // the messaging core importing the rest of its library
        'libs/crypto-messaging/src/core/index.ts':
          "import { rest } from '../rest';\nexport const core = rest;\n",
        'libs/crypto-messaging/src/rest.ts': 'export const rest = 1;\n',
      });
      result = await runCheck(dir);
    }, 120_000);

    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('fails', () => {
      expect(result.code).toBe(1);
    });

    it('finds the cycle between the two libs', () => {
      const cycle = result.report.packageCycles.find((c) => c.packages.includes('libs/a'));
      expect(cycle?.packages).toEqual(expect.arrayContaining(['libs/a', 'libs/b']));
      expect(cycle?.imports).toEqual(
        expect.arrayContaining([
          'libs/a/src/index.ts -> libs/b/src/index.ts',
          'libs/b/src/helper.ts -> libs/a/src/index.ts',
        ]),
      );
    });

    it('names each broken module rule with its import', () => {
      expect(result.report.violations).toEqual(
        expect.arrayContaining([
          { rule: 'lib-internals', from: 'apps/one/src/main.ts', to: 'libs/b/src/helper.ts' },
          { rule: 'app-imports-app', from: 'apps/two/src/main.ts', to: 'apps/one/src/main.ts' },
          { rule: 'lib-imports-upward', from: 'libs/b/src/upward.ts', to: 'apps/two/src/main.ts' },
          {
            rule: 'core-is-dependency-free',
            from: 'libs/crypto-messaging/src/core/index.ts',
            to: 'libs/crypto-messaging/src/rest.ts',
          },
        ]),
      );
    });
  });
});
