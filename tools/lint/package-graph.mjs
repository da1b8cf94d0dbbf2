// The package graph check of `npm run lint`: dependency-cruiser's rules (.dependency-cruiser.js)
// on every import of apps, libs, tools, bench, infra and test, plus the rule dependency-cruiser
// cannot express: no cycle between packages. Its module-level `circular` misses a cycle that no
// single chain of imports closes (lib a imports b's entry, some other file of b imports a), and
// its folder rules see folders, not packages; so the modules are folded into their packages here
// and the package graph is searched for strongly connected components.
//
//   node tools/lint/package-graph.mjs [--json] [--config <file>]
//
// Runs from the repository root (or a fixture's root: the spec runs it on a tree with a cycle).
// Exits 1 on any violation, printing each with the import that causes it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const require = createRequire(import.meta.url);
const { KNOWN_CYCLE_IMPORTS, PACKAGE_ROOTS, packageOf } = require('./packages.cjs');

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DEFAULT_CONFIG = path.resolve(HERE, '..', '..', '.dependency-cruiser.js');

/** Runs the module rules and the package-cycle pass on the tree under the working directory. */
export async function checkPackageGraph({ config = DEFAULT_CONFIG } = {}) {
  const options = await extractDepcruiseOptions(config);
  const tsConfigFile = options.ruleSet?.options?.tsConfig?.fileName;
  const roots = PACKAGE_ROOTS.filter((root) => existsSync(root));
  const { output } = await cruise(
    roots,
    { ...options, validate: true, outputType: 'json' },
    {},
    { tsConfig: tsConfigFile ? extractTSConfig(tsConfigFile) : undefined },
  );
  const result = typeof output === 'string' ? JSON.parse(output) : output;
  const violations = result.summary.violations
    .filter((v) => v.rule.severity === 'error')
    .map((v) => ({ rule: v.rule.name, from: v.from, to: v.to }));
  return { modules: result.modules.length, violations, ...packageCycles(result.modules) };
}

/**
 * The cycles of the package graph: each strongly connected component of more than one package,
 * with one import per edge inside it, so the report says which file to change.
 */
export function packageCycles(modules, known = KNOWN_CYCLE_IMPORTS) {
  /** package -> package -> an example import `from -> to` */
  const edges = new Map();
  const knownSeen = new Set();
  for (const module of modules) {
    const from = packageOf(module.source);
    if (!from) continue;
    for (const dependency of module.dependencies) {
      const to = packageOf(dependency.resolved);
      if (!to || to === from || dependency.couldNotResolve) continue;
      const exception = known.find((k) => k.from === module.source && k.toPackage === to);
      if (exception) {
        knownSeen.add(exception);
        continue;
      }
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from).has(to)) edges.get(from).set(to, `${module.source} -> ${dependency.resolved}`);
    }
  }
  const packageCycles = stronglyConnected(edges)
    .filter((component) => component.length > 1)
    .map((component) => {
      const members = new Set(component);
      const imports = [];
      for (const from of [...component].sort()) {
        for (const [to, example] of edges.get(from) ?? []) if (members.has(to)) imports.push(example);
      }
      return { packages: [...component].sort(), imports };
    });
  const knownImports = known.map((k) => ({ ...k, stale: !knownSeen.has(k) }));
  return { packageCycles, knownImports };
}

/** Tarjan's algorithm: the strongly connected components of a directed graph. */
function stronglyConnected(edges) {
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((to) => [...to.keys()])]);
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  let next = 0;
  const visit = (node) => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node), low.get(to)));
      } else if (onStack.has(to)) {
        low.set(node, Math.min(low.get(node), index.get(to)));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component = [];
      let member;
      do {
        member = stack.pop();
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      components.push(component);
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return components;
}

function render({ modules, violations, packageCycles: cycles, knownImports }) {
  const lines = [];
  for (const k of knownImports) {
    lines.push(
      k.stale
        ? `  warn  known-cycle-import no longer found (remove it from tools/lint/packages.cjs): ${k.from} -> ${k.toPackage}`
        : `  warn  known-cycle-import (listed in tools/lint/packages.cjs): ${k.from} -> ${k.toPackage}`,
    );
  }
  for (const v of violations) lines.push(`  error ${v.rule}: ${v.from} -> ${v.to}`);
  for (const c of cycles) {
    lines.push(`  error package-cycle: ${c.packages.join(' <-> ')}`);
    for (const example of c.imports) lines.push(`      ${example}`);
  }
  const count = violations.length + cycles.length;
  lines.push(
    count === 0
      ? `package graph: no violations (${modules} modules)`
      : `package graph: ${count} violation(s) (${modules} modules)`,
  );
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(HERE, 'package-graph.mjs')) {
  const args = process.argv.slice(2);
  const configAt = args.indexOf('--config');
  const report = await checkPackageGraph(configAt >= 0 ? { config: path.resolve(args[configAt + 1]) } : {});
  process.stdout.write((args.includes('--json') ? JSON.stringify(report) : render(report)) + '\n');
  process.exitCode = report.violations.length + report.packageCycles.length === 0 ? 0 : 1;
}
