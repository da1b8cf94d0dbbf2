import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { assertPortFree } from '@app/local-stack';
import { appNamed, CLINIC_APP_NAMES, CLINIC_SCREEN, type ClinicApp } from '@app/clinic';
import { appPortOf, portSettingOf } from '@app/platform';
import type { Output } from './commands';
import type { RegisteredApp } from './app-registry';

const REGISTER = path.resolve(__dirname, '..', 'register.js');
/** Lets a profiled service (CLINIC_CPU_PROF_DIR) exit, and so write its profile, on SIGTERM. */
const CPU_PROF_EXIT = path.resolve(__dirname, 'cpu-prof-exit.js');
const HEALTHY_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 30_000;
const ROOT = path.resolve(__dirname, '..', '..');
/** ANSI colours of the apps' log prefixes, in start order (the screen's is blue). */
const COLOURS = ['36', '33', '35', '32', '31', '96', '93', '95'];
const WEB_COLOUR = '34';
const colourOf = (app: ClinicApp) => COLOURS[CLINIC_APP_NAMES.indexOf(app) % COLOURS.length];

/** An app running in a process of its own, as in production. */
export interface AppProcess {
  readonly app: ClinicApp;
  readonly url: string;
  readonly child: ChildProcess;
  /** Resolves with the exit code when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

/** A service of the clinic in a process of its own: an app, or the screen. */
interface ServiceSpec {
  readonly name: string;
  readonly entry: string;
  readonly port: number;
  /** The variable that sets the port, named when it is taken. */
  readonly portVariable: string;
  readonly colour: string;
}

/**
 * Starts an app's process with readable, prefixed logs, and resolves once its `/health`
 * answers 200. A taken port fails before the spawn, naming the variable to change.
 */
export async function startAppProcess(
  registered: RegisteredApp,
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  logs: 'all' | 'problems' = 'all',
): Promise<AppProcess> {
  const { app } = registered;
  const spec = {
    name: app,
    entry: registered.entry,
    port: appPortOf(app, env),
    portVariable: appNamed(app).port.variable,
    colour: colourOf(app),
  };
  return { app, ...(await startService(spec, out, { ...env, PORT: String(spec.port) }, logs)) };
}

/** The clinic's screen (apps/web), on CLINIC_WEB_PORT (8080), as its own process. */
export async function startWebProcess(
  out: Output,
  env: NodeJS.ProcessEnv = process.env,
  logs: 'all' | 'problems' = 'all',
): Promise<ServiceProcess> {
  const { name, port: setting, entry } = CLINIC_SCREEN;
  const port = portSettingOf(setting.variable, setting.default, env);
  return startService(
    { name, entry: path.join(ROOT, entry.source), port, portVariable: setting.variable, colour: WEB_COLOUR },
    out,
    { ...env, [setting.variable]: String(port) },
    logs,
  );
}

/** A service process: where it answers, and how to stop it (draining). */
export type ServiceProcess = Omit<AppProcess, 'app'>;

async function startService(
  spec: ServiceSpec,
  out: Output,
  env: NodeJS.ProcessEnv,
  logs: 'all' | 'problems',
): Promise<ServiceProcess> {
  const { name, port } = spec;
  await assertPortFree(port, spec.portVariable, name === 'web' ? 'clinic screen' : `${name} app`);
  // CLINIC_CPU_PROF_DIR (the bench's BENCH_CPU_PROF=1): V8's CPU profile of each service, written
  // to <dir>/<service>/ when it stops.
  const profileDir = env.CLINIC_CPU_PROF_DIR;
  const profiling = profileDir
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(profileDir, name)}`, '-r', CPU_PROF_EXIT]
    : [];
  const child = spawn(process.execPath, [...profiling, '-r', REGISTER, spec.entry], {
    env: { ...env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const colour = process.stdout.isTTY ? spec.colour : undefined;
  const prefix = colour ? `\x1b[${colour}m${name.padEnd(12)}|\x1b[0m ` : `${name.padEnd(12)}| `;
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (logs === 'all' || stream === child.stderr || /\b(WARN|ERROR|error|warn)\b/.test(line))
        out.line(prefix + line);
    });
  }
  // 'close', not 'exit': by then its output is read to the last line (a start-up failure's reason).
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const healthy = await Promise.race([waitHealthy(url), exited.then(() => false)]);
  if (!healthy) {
    child.kill('SIGKILL');
    throw new Error(`The ${name} process did not become healthy at ${url}/health (see its log lines above).`);
  }
  return {
    url,
    child,
    exited,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function waitHealthy(url: string): Promise<boolean> {
  const deadline = Date.now() + HEALTHY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}
