/**
 * Reads V8 CPU profiles (`.cpuprofile`, as written by `node --cpu-prof`) and ranks functions by
 * self time: the time the sampler found each function itself on top of the stack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export interface CpuProfile {
  readonly nodes: ReadonlyArray<{
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
      readonly columnNumber?: number;
    };
    readonly children?: readonly number[];
  }>;
  /** Microseconds, on the same monotonic clock as `process.hrtime`. */
  readonly startTime: number;
  readonly endTime: number;
  /** The node on top of the stack at each sample. */
  readonly samples: readonly number[];
  /** Microseconds since the previous sample (the first: since startTime). */
  readonly timeDeltas: readonly number[];
}

export interface FunctionSelfTime {
  /** `name (file:line)`, the file relative to the project when it is the project's. */
  readonly function: string;
  readonly selfMs: number;
  /** Share of the sampled time that was not idle in the window. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled time not idle in the window, ms. */
  readonly busyMs: number;
  readonly top: FunctionSelfTime[];
}

/**
 * The `count` functions with the most self time, over samples taken in [fromUs, toUs] (the
 * whole profile when no window is given). A sample stands for the time until the next one.
 * Idle time is left out; `(garbage collector)` and `(program)` stay, as V8 reports them.
 */
export function topFunctions(
  profile: CpuProfile,
  count = 10,
  window?: { fromUs: number; toUs: number },
  root = process.cwd(),
): ProfileSummary {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const child of n.children ?? []) parents.set(child, n.id);
  const selfUs = new Map<string, number>();
  let busyUs = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    const next = i + 1 < profile.samples.length ? at + (profile.timeDeltas[i + 1] ?? 0) : profile.endTime;
    const duration = Math.max(0, next - at);
    if (window && (at < window.fromUs || at > window.toUs)) continue;
    const id = profile.samples[i];
    const frame = nodes.get(id);
    if (!frame || frame.functionName === '(idle)') continue;
    let key = describe(frame, root);
    // A native or Node-internal function (writev, say) says little on its own: name the nearest
    // caller outside Node's own code (the library or app code that asked for it).
    if (!frame.functionName.startsWith('(') && (!frame.url || frame.url.startsWith('node:'))) {
      let up = parents.get(id);
      while (up !== undefined && !/^(file:|\/)/.test(nodes.get(up)?.url ?? '')) up = parents.get(up);
      if (up !== undefined) key += ` <- ${describe(nodes.get(up)!, root)}`;
    }
    selfUs.set(key, (selfUs.get(key) ?? 0) + duration);
    busyUs += duration;
  }
  const top = [...selfUs.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([fn, us]) => ({ function: fn, selfMs: us / 1000, share: busyUs > 0 ? us / busyUs : 0 }));
  return { busyMs: busyUs / 1000, top };
}

function describe(frame: CpuProfile['nodes'][number]['callFrame'], root: string): string {
  const name = frame.functionName || '(anonymous)';
  if (!frame.url) return name;
  let file = frame.url.replace(/^file:\/\//, '');
  if (file.startsWith(root + path.sep)) file = path.relative(root, file);
  const nodeModules = file.lastIndexOf('node_modules/');
  if (nodeModules >= 0) file = file.slice(nodeModules + 'node_modules/'.length);
  return `${name} (${file}:${frame.lineNumber + 1})`;
}

/** The `.cpuprofile` files in a folder (one per process that exited with the profiler on). */
export function readProfiles(dir: string): CpuProfile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.endsWith('.cpuprofile'))
    .sort()
    .map((n) => JSON.parse(readFileSync(path.join(dir, n), 'utf8')) as CpuProfile);
}
