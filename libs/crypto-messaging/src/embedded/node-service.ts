/**
 * A Node service in a process of its own (an emulator, a database, a provider) that reports
 * readiness with one JSON line on stdout, `{"ready":true,"port":N}` or `{"error":"..."}`, and
 * stops on SIGTERM or when its parent goes away (it keeps an IPC channel to us).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** How a service process ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A service running in a process of its own. */
export interface LaunchedProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** The launcher's ready report (its own fields beyond `ready` and `port`). */
  readonly report: Readonly<Record<string, unknown>>;
  /** Resolves when the process has ended, whoever ended it (a supervisor may restart it). */
  readonly exited: Promise<ProcessExit>;
  /** Stops the process and waits for it to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Runs `node <args>` and waits for the service's ready line. Rejects when it reports an error
 * (with the `code` it gave), exits early, or says nothing within `timeoutMs`.
 */
export async function launchNodeService(
  args: string[],
  env: Record<string, string>,
  options: { service: string; timeoutMs: number; onLine?: (line: string) => void },
): Promise<LaunchedProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Out of the terminal's process group: a Ctrl-C meant for the parent must not stop a broker
    // or a database while the parent's clients are still draining into it. The parent stops it
    // itself, last; a lost parent still stops it (IPC disconnect).
    detached: true,
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<ProcessExit>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );

  const lines = createInterface({ input: child.stdout! });
  const report = await new Promise<{
    ready?: boolean;
    port?: number;
    error?: string;
    code?: string;
    [field: string]: unknown;
  }>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new Error(`The ${options.service} did not start within ${options.timeoutMs} ms. ${stderr}`.trim()),
      );
    }, options.timeoutMs);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve(JSON.parse(line) as { ready?: boolean; port?: number; error?: string });
      } catch {
        reject(new Error(`The ${options.service} printed an unexpected line: ${line.slice(0, 200)}`));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The ${options.service} exited (code ${code}) before it was ready. ${stderr}`.trim()));
    });
  });
  if (!report.ready || report.port === undefined) {
    await exited;
    const error = new Error(`The ${options.service} failed to start: ${report.error ?? 'unknown error'}`);
    (error as NodeJS.ErrnoException).code = report.code;
    throw error;
  }
  // The service's own log lines, after the ready line (the identity provider's sign-in events).
  if (options.onLine) lines.on('line', options.onLine);
  // Our own stdout pipe must not keep the event loop alive once we are done with it.
  child.stdout?.resume();
  const port = report.port;
  return {
    port,
    child,
    report,
    exited,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
