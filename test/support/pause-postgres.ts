/**
 * Pauses a private embedded PostgreSQL the way a hung host or a VM freeze does: SIGSTOP to the
 * server and every backend, so connections stay open and queries go unanswered (a stopped
 * server would refuse connections at once, the easy case). Linux only (/proc).
 */
import { readdirSync, readFileSync } from 'node:fs';

interface Proc {
  readonly pid: number;
  readonly ppid: number;
  readonly args: string[];
}

function processes(): Proc[] {
  const out: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').filter(Boolean);
      // stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after the last ')'.
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.push({ pid: Number(entry), ppid, args });
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** The postmaster listening on `port` (started with `-p <port>`), and its backends. */
export function postgresProcesses(port: number): number[] {
  const all = processes();
  const server = all.find((p) => {
    const at = p.args.indexOf('-p');
    return /(^|\/)postgres$/.test(p.args[0] ?? '') && at > 0 && p.args[at + 1] === String(port);
  });
  if (!server) throw new Error(`No PostgreSQL server process found for port ${port}`);
  return [server.pid, ...all.filter((p) => p.ppid === server.pid).map((p) => p.pid)];
}

/**
 * SIGSTOPs the server and its backends; resolves a function that SIGCONTs every one of them.
 * Backends forked later cannot exist: the postmaster that would fork them is stopped.
 */
export function pausePostgres(port: number): () => void {
  const pids = postgresProcesses(port);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  return () => {
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already gone
      }
    }
  };
}
