import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readProfiles, topFunctions, type CpuProfile } from './cpu-profile';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

// Samples every 100 us from startTime 1,000: idle, parse x3, gc, parse, handler x2 (last until endTime).
const PROFILE: CpuProfile = {
  nodes: [
    { id: 1, callFrame: frame('(root)') },
    { id: 2, callFrame: frame('(idle)') },
    { id: 3, callFrame: frame('parse', 'file:///repo/node_modules/pkg/lib/parse.js', 41) },
    { id: 4, callFrame: frame('(garbage collector)') },
    { id: 5, callFrame: frame('handle', 'file:///repo/apps/billing/src/handler.ts', 9) },
    { id: 6, callFrame: frame('', '/repo/libs/x.ts', 0), children: [8] },
    { id: 7, callFrame: frame('writev') },
    { id: 8, callFrame: frame('writevGeneric', 'node:internal/stream_base_commons', 120), children: [7] },
  ],
  startTime: 1_000,
  endTime: 1_900,
  samples: [2, 3, 3, 3, 4, 3, 5, 5],
  timeDeltas: [100, 100, 100, 100, 100, 100, 100, 100],
};

describe('topFunctions', () => {
  it('ranks functions by self time, leaves idle out, names the file as the project sees it', () => {
    const summary = topFunctions(PROFILE, 10, undefined, '/repo');
    expect(summary.busyMs).toBeCloseTo(0.7);
    expect(summary.top).toEqual([
      { function: 'parse (pkg/lib/parse.js:42)', selfMs: 0.4, share: 4 / 7 },
      { function: 'handle (apps/billing/src/handler.ts:10)', selfMs: 0.2, share: 2 / 7 },
      { function: '(garbage collector)', selfMs: 0.1, share: 1 / 7 },
    ]);
  });

  it('keeps the first `count` only', () => {
    expect(topFunctions(PROFILE, 1, undefined, '/repo').top.map((f) => f.function)).toEqual([
      'parse (pkg/lib/parse.js:42)',
    ]);
  });

  it('counts only the samples inside the window', () => {
    // Samples at 1,100 ... 1,800: the window 1,550-1,800 holds parse at 1,600, handle at 1,700 and 1,800.
    const summary = topFunctions(PROFILE, 10, { fromUs: 1_550, toUs: 1_800 }, '/repo');
    expect(summary.top.map((f) => [f.function, f.selfMs])).toEqual([
      ['handle (apps/billing/src/handler.ts:10)', 0.2],
      ['parse (pkg/lib/parse.js:42)', 0.1],
    ]);
  });

  it('names an anonymous function, a frame without a file, and the nearest non-Node caller of a native one', () => {
    const profile: CpuProfile = { ...PROFILE, samples: [6, 4, 7], timeDeltas: [0, 100, 100], endTime: 1_300 };
    expect(topFunctions(profile, 10, undefined, '/repo').top.map((f) => f.function)).toEqual([
      '(anonymous) (libs/x.ts:1)',
      '(garbage collector)',
      'writev <- (anonymous) (libs/x.ts:1)',
    ]);
  });
});

describe('readProfiles', () => {
  it('reads the .cpuprofile files of a folder, and nothing from a missing one', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'cpu-profile-spec-'));
    try {
      writeFileSync(path.join(dir, 'CPU.1.cpuprofile'), JSON.stringify(PROFILE));
      writeFileSync(path.join(dir, 'notes.txt'), 'not a profile');
      expect(readProfiles(dir)).toEqual([PROFILE]);
      expect(readProfiles(path.join(dir, 'missing'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
