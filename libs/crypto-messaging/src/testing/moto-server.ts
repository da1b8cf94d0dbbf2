/**
 * Test harness: a private `moto_server` (SNS, SQS, KMS, STS in Python) on a free loopback
 * port, one per suite, so suites never share state. moto is preinstalled on every machine of
 * this kind and in CI but cannot be installed from a registry, hence the availability rules:
 * absent in CI is an error; absent elsewhere skips the suite, loudly.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { createAwsClients, type AwsClients } from '../config/aws-clients';
import { freePort } from '../embedded/free-port';

/** A running moto server. */
export interface MotoServer {
  /** `http://127.0.0.1:<port>`: pass it to `createAwsClients` as `endpoint`. */
  readonly endpoint: string;
  readonly port: number;
  /** Stops the server and resolves once its process has exited. */
  stop(): Promise<void>;
}

/** The credentials moto accepts; explicit, so tests never reach for a real profile. */
export const MOTO_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' } as const;
export const MOTO_REGION = 'us-east-1';

const COMMAND = 'moto_server';
const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/**
 * Where `moto_server` is on PATH. When it is not: throws if `CI` is set (a silent skip there
 * would hide a broken machine), otherwise warns on the console and returns undefined so the
 * caller can `describe.skip`.
 */
export function findMotoServer(env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, COMMAND);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Not in this directory; keep looking.
    }
  }
  const why = `${COMMAND} is not on PATH (moto 5.2.1, Python: pip install "moto[server]==5.2.1")`;
  if (env.CI) throw new Error(`${why}. CI must run the moto suites; install it on the runner.`);
  console.warn(`\n*** SKIPPING moto suites: ${why}. They run in CI. ***\n`);
  return undefined;
}

/** `describe` when moto is available, else `describe.skip` (after {@link findMotoServer} warned). */
export function describeWithMoto(): jest.Describe {
  return findMotoServer() ? describe : describe.skip;
}

/**
 * Starts `moto_server` on a free 127.0.0.1 port and resolves once it answers HTTP. Resolves
 * undefined when moto is absent outside CI (see {@link findMotoServer}).
 */
export async function startMotoServer(): Promise<MotoServer | undefined> {
  const command = findMotoServer();
  if (!command) return undefined;
  // A free port can be taken between probing and binding; try a few.
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt += 1) {
    try {
      return await startOnce(command, await freePort());
    } catch (error) {
      lastError = error;
      if (!(error instanceof PortRaceError)) throw error;
    }
  }
  throw lastError;
}

class PortRaceError extends Error {}

async function startOnce(command: string, port: number): Promise<MotoServer> {
  // Own process group, so stop() ends moto and anything it spawned, and nothing else.
  const child = spawn(command, ['-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const endpoint = `http://127.0.0.1:${port}`;
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`${COMMAND} did not listen on ${endpoint} within ${START_TIMEOUT_MS} ms:\n${output}`),
          ),
        START_TIMEOUT_MS,
      );
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        // Werkzeug prints this once the socket is bound.
        if (output.includes(`Running on ${endpoint}`)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      void exited.then((code) => {
        clearTimeout(timer);
        const Kind = /Address already in use/i.test(output) ? PortRaceError : Error;
        reject(new Kind(`${COMMAND} exited with code ${String(code)} before listening:\n${output}`));
      });
    });
    await waitUntilAnswers(endpoint, exited);
  } catch (error) {
    await stopChild(child, exited);
    throw error;
  }
  // Keep draining the pipes (request logs) so moto never blocks on a full pipe.
  output = '';
  child.stdout?.removeAllListeners('data');
  child.stderr?.removeAllListeners('data');
  child.stdout?.resume();
  child.stderr?.resume();
  return { endpoint, port, stop: () => stopChild(child, exited) };
}

/** One request proves the server routes; retried only on connection errors, each after the last. */
async function waitUntilAnswers(endpoint: string, exited: Promise<number | null>): Promise<void> {
  let running = true;
  void exited.then(() => {
    running = false;
  });
  const deadline = Date.now() + START_TIMEOUT_MS;
  let lastError: unknown;
  while (running && Date.now() < deadline) {
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.ok) return;
      lastError = new Error(`HTTP ${response.status}`);
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`${COMMAND} at ${endpoint} does not answer: ${String(lastError)}`);
}

async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS);
  });
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    signalGroup('SIGKILL');
    await exited;
  }
  clearTimeout(timer);
}

/** A private moto server with SDK clients pointed at it; nothing provisioned yet. */
export interface MotoWithClients {
  readonly moto: MotoServer;
  readonly clients: AwsClients;
  stop(): Promise<void>;
}

/**
 * For suites already gated on moto's presence (`describeWithMoto`): starts moto and its clients,
 * and fails loudly if moto vanished since the check.
 */
export async function startMotoWithClients(): Promise<MotoWithClients> {
  const moto = await startMotoServer();
  if (!moto) throw new Error('moto_server vanished between the availability check and the start');
  const clients = createAwsClients({
    region: MOTO_REGION,
    endpoint: moto.endpoint,
    credentials: MOTO_CREDENTIALS,
  });
  return {
    moto,
    clients,
    async stop() {
      clients.destroy();
      await moto.stop();
    },
  };
}
