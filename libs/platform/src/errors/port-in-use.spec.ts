import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import type { INestApplication } from '@nestjs/common';
import { startClinicApp, type ClinicApplication } from '../bootstrap';
import type { AppConfig } from '../config/app.config';
import { AppError, AppErrorCode, describeAppError } from './app.error';

/** An HTTP application stand-in whose `listen` is a real listen on loopback. */
function appOn(port: number): ClinicApplication {
  const http = {
    listen: (p: number, host: string) =>
      new Promise((resolve, reject) => {
        const listening = createHttpServer();
        listening.once('error', reject);
        listening.listen(p, host, () => resolve(listening));
      }),
  } as unknown as INestApplication;
  return { http, config: { app: 'billing', port, host: '127.0.0.1' } as AppConfig };
}

describe('a busy port at start-up is an AppError, not a messaging error', () => {
  let taken: Server;
  let port: number;
  beforeAll(async () => {
    taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    port = (taken.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => taken.close(() => resolve())));

  it('names the port and the app, and says how to choose another', async () => {
    const error = await startClinicApp(appOn(port)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(AppError);
    const appError = error as AppError;
    expect(appError.code).toBe(AppErrorCode.PortInUse);
    expect(describeAppError(appError)).toBe(
      `Port ${port} of the billing app is already in use. Stop the other process, or set CLINIC_BILLING_PORT (npm start) or PORT to a free port.`,
    );
    expect((appError.cause as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });
});
