/**
 * CPU time of process trees, read from /proc (Linux). A tree's time is the user + system time
 * of every live process in it plus, for each, the time of the children it has already reaped
 * (cutime + cstime): PostgreSQL's backends come and go during a run, and an ended backend's
 * time moves into the postmaster's cutime/cstime when the postmaster waits for it. The
 * difference of two snapshots is then the CPU the tree used between them.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { statFieldsOf } from '@app/local-stack';

/** The fields of /proc/<pid>/stat the bench reads (times in clock ticks). */
export interface ProcStat {
  readonly pid: number;
  readonly comm: string;
  readonly ppid: number;
  readonly utime: number;
  readonly stime: number;
  readonly cutime: number;
  readonly cstime: number;
}

/**
 * Parses one /proc/<pid>/stat line: "pid (comm) state ppid ... utime stime cutime cstime ...".
 * `comm` may hold spaces and parentheses, so the fields are counted after the last ')'.
 */
export function parseProcStat(text: string): ProcStat {
  const open = text.indexOf('(');
  const close = text.lastIndexOf(')');
  if (open < 0 || close < open) throw new Error(`not a /proc/<pid>/stat line: ${text.slice(0, 80)}`);
  const rest = statFieldsOf(text);
  const field = (n: number) => {
    const value = Number(rest[n - 3]);
    if (!Number.isFinite(value)) throw new Error(`/proc/<pid>/stat field ${n} is not a number`);
    return value;
  };
  return {
    pid: Number(text.slice(0, open).trim()),
    comm: text.slice(open + 1, close),
    ppid: field(4),
    utime: field(14),
    stime: field(15),
    cutime: field(16),
    cstime: field(17),
  };
}

/**
 * Clock ticks of the tree rooted at `root` in a process table (pid -> stat): its own and its
 * reaped children's, for every live process under it. 0 when the root is gone.
 */
export function treeTicks(root: number, table: ReadonlyMap<number, ProcStat>): number {
  const children = new Map<number, number[]>();
  for (const stat of table.values()) {
    const siblings = children.get(stat.ppid);
    if (siblings) siblings.push(stat.pid);
    else children.set(stat.ppid, [stat.pid]);
  }
  let ticks = 0;
  const seen = new Set<number>();
  const pending = table.has(root) ? [root] : [];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    if (seen.has(pid)) continue;
    seen.add(pid);
    const s = table.get(pid)!;
    ticks += s.utime + s.stime + s.cutime + s.cstime;
    pending.push(...(children.get(pid) ?? []));
  }
  return ticks;
}

/** Every process's stat now; processes that end while it is read are left out. */
export function readProcessTable(procDir = '/proc'): Map<number, ProcStat> {
  const table = new Map<number, ProcStat>();
  for (const name of readdirSync(procDir)) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = parseProcStat(readFileSync(`${procDir}/${name}/stat`, 'utf8'));
      table.set(stat.pid, stat);
    } catch {
      // ended between the listing and the read
    }
  }
  return table;
}

let ticksPerSecond: number | undefined;
/** The kernel's clock ticks per second (USER_HZ), 100 on Linux unless `getconf` says otherwise. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU milliseconds of each named process tree, at one moment. */
export type CpuSnapshot = Record<string, number>;

export function cpuSnapshot(
  roots: Readonly<Record<string, number>>,
  table: ReadonlyMap<number, ProcStat> = readProcessTable(),
  hz = clockTicksPerSecond(),
): CpuSnapshot {
  const snapshot: CpuSnapshot = {};
  for (const [name, pid] of Object.entries(roots)) snapshot[name] = (treeTicks(pid, table) * 1000) / hz;
  return snapshot;
}

export interface CpuPerRecordRow {
  readonly process: string;
  /** CPU milliseconds the tree used between the snapshots. */
  readonly cpuMs: number;
  readonly msPerRecord: number;
}

/** The CPU each tree used between two snapshots, in all and per record; and their total. */
export function cpuPerRecord(
  before: CpuSnapshot,
  after: CpuSnapshot,
  records: number,
): { rows: CpuPerRecordRow[]; total: CpuPerRecordRow } {
  const rows = Object.keys(before).map((name) => {
    const cpuMs = Math.max(0, (after[name] ?? 0) - before[name]);
    return { process: name, cpuMs, msPerRecord: cpuMs / records };
  });
  const cpuMs = rows.reduce((sum, r) => sum + r.cpuMs, 0);
  return { rows, total: { process: 'total', cpuMs, msPerRecord: cpuMs / records } };
}
