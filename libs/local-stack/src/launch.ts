import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { createInterface } from 'node:readline';

/** How a process of the stack ended: its exit code, or the signal that ended it. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A service of the embedded stack running in a process of its own. */
export interface LaunchedProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** The launcher's ready report (its own fields beyond `ready` and `port`). */
  readonly report: Readonly<Record<string, unknown>>;
  /** Resolves when the process has ended (`npm start` restarts it when nobody asked). */
  readonly exited: Promise<ProcessExit>;
  /** Stops the process and waits for it to exit (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
}

/** Raised when a port of the embedded stack is already taken. Names the setting to change. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    readonly setting: string,
    service: string,
  ) {
    super(
      `Port ${port} for the ${service} is already in use by another process. ` +
        `Stop that process (for example an earlier "npm start"), or set ${setting} to a free port.`,
    );
    this.name = 'PortInUseError';
  }
}

/** Resolves when nothing listens on 127.0.0.1:port; rejects with {@link PortInUseError}. */
export async function assertPortFree(port: number, setting: string, service: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, setting, service) : error),
    );
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => probe.close(() => resolve()));
  });
}

const LAUNCHERS_DIR = path.join(__dirname, 'launchers');

/**
 * Starts `launchers/<name>.mjs` and waits for its one-line JSON ready report. The child keeps an
 * IPC channel to us, so it stops its service when this process dies, even on SIGKILL.
 */
export async function launch(
  name: string,
  env: Record<string, string>,
  options: { service: string; timeoutMs: number },
): Promise<LaunchedProcess> {
  return launchProcess([path.join(LAUNCHERS_DIR, `${name}.mjs`)], env, options);
}

/** tools/register.js: runs TypeScript sources with SWC (as `npm start` does for the apps). */
const REGISTER = path.resolve(__dirname, '..', '..', '..', 'tools', 'register.js');

/**
 * Starts a TypeScript entry (a service written with the project's own libs, such as the
 * identity provider) with the same ready-line and IPC protocol as {@link launch}.
 */
export async function launchTypeScript(
  entry: string,
  env: Record<string, string>,
  options: { service: string; timeoutMs: number; onLine?: (line: string) => void },
): Promise<LaunchedProcess> {
  // A compiled build (npm run build) runs the entry's .js twin without the SWC hook.
  const compiled = entry.replace(/\.ts$/, '.js');
  const args = existsSync(entry) ? ['-r', REGISTER, entry] : [compiled];
  return launchProcess(args, env, options);
}

async function launchProcess(
  args: string[],
  env: Record<string, string>,
  options: { service: string; timeoutMs: number; onLine?: (line: string) => void },
): Promise<LaunchedProcess> {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Out of the terminal's process group: a Ctrl-C meant for `npm start` must not stop the
    // broker or PostgreSQL while the apps are still draining into them. We stop them ourselves,
    // last; a lost parent still stops them (IPC disconnect).
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
