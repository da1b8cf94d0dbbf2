import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import * as path from 'node:path';
import { launchNodeService, type LaunchedProcess } from '@app/crypto-messaging/embedded';

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
  return launchNodeService([path.join(LAUNCHERS_DIR, `${name}.mjs`)], env, options);
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
  return launchNodeService(args, env, options);
}
