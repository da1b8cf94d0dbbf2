import { spawn } from 'node:child_process';
import {
  cpuPerRecord,
  cpuSnapshot,
  parseProcStat,
  readProcessTable,
  treeTicks,
  type ProcStat,
} from './process-cpu';

/** A stat line as the kernel writes it: 52 fields, times at 14-17. */
function statLine(pid: number, comm: string, ppid: number, times: [number, number, number, number]): string {
  const fields = ['S', String(ppid), ...Array.from({ length: 9 }, () => '0'), ...times.map(String)];
  while (fields.length < 50) fields.push('0');
  return `${pid} (${comm}) ${fields.join(' ')}\n`;
}

const stat = (pid: number, ppid: number, times: [number, number, number, number]): ProcStat =>
  parseProcStat(statLine(pid, `p${pid}`, ppid, times));

describe('parseProcStat', () => {
  it('reads pid, comm, ppid and the four times', () => {
    expect(parseProcStat(statLine(4242, 'postgres', 17, [120, 30, 500, 70]))).toEqual({
      pid: 4242,
      comm: 'postgres',
      ppid: 17,
      utime: 120,
      stime: 30,
      cutime: 500,
      cstime: 70,
    });
  });

  it('counts the fields after the last parenthesis, whatever comm holds', () => {
    const s = parseProcStat(statLine(9, 'a) S 1 (b', 3, [1, 2, 3, 4]));
    expect(s).toMatchObject({ pid: 9, comm: 'a) S 1 (b', ppid: 3, utime: 1, stime: 2, cutime: 3, cstime: 4 });
  });

  it('refuses a line that is not a stat line', () => {
    expect(() => parseProcStat('hello')).toThrow(/stat line/);
    expect(() => parseProcStat('1 (x) S')).toThrow(/field 4/);
  });
});

describe('treeTicks', () => {
  // 1 -> 10 (postmaster) -> 11, 12 (backends) -> 13 (a backend's child); 20 is another tree.
  const table = new Map(
    [
      stat(1, 0, [5, 5, 0, 0]),
      stat(10, 1, [100, 20, 300, 50]),
      stat(11, 10, [7, 3, 0, 0]),
      stat(12, 10, [1, 1, 0, 0]),
      stat(13, 12, [2, 0, 0, 0]),
      stat(20, 1, [1000, 1000, 0, 0]),
    ].map((s) => [s.pid, s]),
  );

  it('sums own and reaped children time over the live tree, and nothing outside it', () => {
    expect(treeTicks(10, table)).toBe(100 + 20 + 300 + 50 + 7 + 3 + 1 + 1 + 2);
    expect(treeTicks(12, table)).toBe(4);
    expect(treeTicks(20, table)).toBe(2000);
  });

  it('is 0 for a root that is gone', () => {
    expect(treeTicks(99, table)).toBe(0);
  });

  it('keeps a backend that ended between snapshots: its time is now in its parent', () => {
    const before = cpuSnapshot({ pg: 10 }, table, 100);
    const after = new Map(table);
    after.delete(11); // backend 11 (10 ticks) ended and was reaped; 2 more ticks of its own first
    after.set(10, stat(10, 1, [100, 20, 300 + 12, 50]));
    const { total } = cpuPerRecord(before, cpuSnapshot({ pg: 10 }, after, 100), 2);
    expect(total.cpuMs).toBe(20); // 2 ticks at 100 Hz
    expect(total.msPerRecord).toBe(10);
  });
});

describe('cpuPerRecord', () => {
  it('gives each tree its difference, per record, and the total', () => {
    const { rows, total } = cpuPerRecord({ a: 100, b: 50 }, { a: 400, b: 150 }, 100);
    expect(rows).toEqual([
      { process: 'a', cpuMs: 300, msPerRecord: 3 },
      { process: 'b', cpuMs: 100, msPerRecord: 1 },
    ]);
    expect(total).toEqual({ process: 'total', cpuMs: 400, msPerRecord: 4 });
  });
});

describe('readProcessTable (this machine)', () => {
  it('finds this process under its parent, and a busy child with its CPU time', async () => {
    const child = spawn(process.execPath, ['-e', 'const end = Date.now() + 300; while (Date.now() < end);']);
    const ended = new Promise((resolve) => child.once('exit', resolve));
    try {
      await new Promise((r) => setTimeout(r, 250));
      const table = readProcessTable();
      expect(table.get(process.pid)?.ppid).toBe(process.ppid);
      expect(table.get(child.pid!)?.ppid).toBe(process.pid);
      expect(treeTicks(child.pid!, table)).toBeGreaterThan(0);
    } finally {
      await ended;
    }
  });
});
