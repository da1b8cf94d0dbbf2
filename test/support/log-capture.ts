/**
 * Captures what an app logs in-process, as it would print it: the app gets the production JSON
 * logger, and everything written to stdout, stderr or the console while captured is kept (and
 * kept off the test's output). Used to prove that no value reaches a log line.
 */
import { ConsoleLogger } from '@nestjs/common';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createClinicApp,
  startClinicApp,
  type AppBlueprint,
  type AppDatabase,
  type ClinicApplication,
} from '@app/platform';
import type { ClinicTestEnv } from '@app/platform/testing';

export class LogCapture {
  private readonly chunks: string[] = [];
  private restore: Array<() => void> = [];

  start(): this {
    const keep = (chunk: unknown) => {
      this.chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
    };
    for (const stream of [process.stdout, process.stderr]) {
      const original = stream.write.bind(stream);
      stream.write = (chunk: unknown) => {
        keep(chunk);
        return true;
      };
      this.restore.push(() => (stream.write = original));
    }
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      const spy = jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
        keep(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ') + '\n');
      });
      this.restore.push(() => spy.mockRestore());
    }
    return this;
  }

  stop(): void {
    this.restore.splice(0).forEach((undo) => undo());
  }

  get text(): string {
    return this.chunks.join('');
  }

  /** The captured JSON log entries (lines that parse as JSON objects). */
  entries(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return {};
        }
      });
  }
}

/** An app started in-process with the production JSON logger (the test env's apps log nothing). */
export async function startLoggedApp(
  env: ClinicTestEnv,
  blueprint: AppBlueprint,
  database: AppDatabase,
): Promise<ClinicApplication & { url: string; stop(): Promise<void> }> {
  const config = env.configFor(blueprint);
  await env.migrate(blueprint.app, database);
  const app = await createClinicApp(blueprint, config, {
    logger: new ConsoleLogger({ json: true, prefix: blueprint.app }),
  });
  await startClinicApp(app);
  const { port } = (app.http.getHttpServer() as Server).address() as AddressInfo;
  return { ...app, url: `http://127.0.0.1:${port}`, stop: () => app.http.close() };
}
