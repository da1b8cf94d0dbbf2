/**
 * What Linux's /proc says about sockets and processes, for tests that check where a server
 * listens, which process holds a port, and which process group it is in.
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { procStatFields } from '../proc-stat';

/** Listening TCP sockets on `port`: local address as /proc writes it (hex) and socket inode. */
export function listeningSockets(port: number): Array<{ address: string; inode: string }> {
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  const found: Array<{ address: string; inode: string }> = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      // fields: sl local remote st ... uid timeout inode; 0A = LISTEN
      const fields = line.trim().split(/\s+/);
      const [address, localPort] = (fields[1] ?? '').split(':');
      if (localPort === portHex && fields[3] === '0A') found.push({ address, inode: fields[9] });
    }
  }
  return found;
}

/** The PID of the process listening on `port`, if any. */
export function pidListeningOn(port: number): number | undefined {
  const inodes = new Set(listeningSockets(port).map((s) => s.inode));
  if (inodes.size === 0) return undefined;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    let fds: string[];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue; // ended meanwhile
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        if (target.startsWith('socket:[') && inodes.has(target.slice(8, -1))) return Number(pid);
      } catch {
        // closed meanwhile
      }
    }
  }
  return undefined;
}

/** Fields of /proc/<pid>/stat after the command name ("state ppid pgrp ..."); throws when it is gone. */
function statOf(pid: number): string[] {
  const fields = procStatFields(pid);
  if (!fields) throw new Error(`no process ${pid}`);
  return fields;
}

/** The parent PID of a process. */
export const parentOf = (pid: number): number => Number(statOf(pid)[1]);

/** A process's state letter (`R` running, `S` sleeping, `T` stopped, `Z` zombie ...); none when it is gone. */
export function stateOf(pid: number): string | undefined {
  return procStatFields(pid)?.[0];
}

/** Whether a process runs: it exists and has not ended (a zombie, not yet reaped, has ended). */
export function isRunning(pid: number): boolean {
  const state = stateOf(pid);
  return state !== undefined && state !== 'Z';
}

/** The process group of a process: the group a terminal's Ctrl-C is sent to. */
export const groupOf = (pid: number): number => Number(statOf(pid)[2]);

/** The processes whose parent is `pid` now (a PostgreSQL server's backends). */
export function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (parentOf(Number(entry)) === pid) children.push(Number(entry));
    } catch {
      // ended meanwhile
    }
  }
  return children;
}

/**
 * Freezes a process and its children with SIGSTOP, the way a hung host or a VM pause does: their
 * connections stay open and go unanswered (a stopped server would refuse them at once, the easy
 * case). Returns the function that SIGCONTs them all. The frozen parent forks no new children; a
 * child that ends before its turn is skipped. If a signal fails otherwise, those already frozen
 * are resumed before the error is thrown, so a failed freeze never leaves a server stopped.
 */
export function freezeWithChildren(pid: number): () => void {
  // kill(0) or kill(-1) would signal a whole process group, or every process we may signal.
  if (!Number.isInteger(pid) || pid <= 1)
    throw new RangeError(`freezeWithChildren: ${pid} is not a process id`);
  if (pid === process.pid) throw new RangeError('freezeWithChildren: this process would freeze itself');
  const frozen: number[] = [];
  const resume = () => {
    for (const each of frozen) {
      try {
        process.kill(each, 'SIGCONT');
      } catch {
        // ended meanwhile
      }
    }
  };
  try {
    process.kill(pid, 'SIGSTOP');
    frozen.push(pid);
    for (const child of childrenOf(pid)) {
      try {
        process.kill(child, 'SIGSTOP');
        frozen.push(child);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
      }
    }
  } catch (error) {
    resume();
    throw error;
  }
  return resume;
}
