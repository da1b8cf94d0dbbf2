/**
 * The embedded OpenID Connect provider's process (started by `startIdentityProvider` in
 * @app/local-stack, with `-r tools/register.js`). Same protocol as the broker's launcher: one JSON
 * line on stdout, {"ready":true,"port":N,"issuer":"..."} or {"error":"...","code":"..."};
 * SIGTERM, SIGINT or a lost parent (IPC disconnect) stop it. Listens on 127.0.0.1 only.
 *
 * Settings (from the parent, never typed by people): IDP_PORT (0 = any free port), IDP_CONFIG
 * (JSON: audience, clientId, stateDir, accessTokenSeconds, sessionIdleSeconds,
 * sessionMaxSeconds), CLINIC_WEB_PORT (the clinic screen's redirect URIs).
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { IdentityConfig } from '../config';
import { createIdentityProvider } from './provider';
import { loadOrCreateIdentityState } from './state';

type ProviderSettings = Pick<
  IdentityConfig,
  'audience' | 'clientId' | 'stateDir' | 'accessTokenSeconds' | 'sessionIdleSeconds' | 'sessionMaxSeconds'
>;

function report(line: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

async function main(): Promise<void> {
  // oidc-provider prints its notices with console.info; stdout carries our ready line.
  console.info = console.warn;
  const port = Number(process.env.IDP_PORT ?? 3004);
  const settings = JSON.parse(process.env.IDP_CONFIG ?? '{}') as ProviderSettings;
  const webPort = process.env.CLINIC_WEB_PORT ? Number(process.env.CLINIC_WEB_PORT) : undefined;
  // Keys, passwords and cookie keys: the owner's alone, whatever the umask.
  process.umask(0o077);
  const state = loadOrCreateIdentityState(settings.stateDir);

  // No handler until the provider exists: nobody knows the port before the ready line anyway.
  const server = createServer();
  // Sign-in forms and token requests are small and quick; a stalled client is cut off.
  server.requestTimeout = 30_000;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve());
  });
  const actualPort = (server.address() as AddressInfo).port;
  const issuer = `http://127.0.0.1:${actualPort}`;
  const logLine = (event: string, fields: Record<string, unknown>) =>
    process.stdout.write(
      JSON.stringify({ time: new Date().toISOString(), service: 'identity-provider', event, ...fields }) +
        '\n',
    );
  const { handle } = createIdentityProvider({ issuer, identity: settings, state, webPort, log: logLine });
  server.on('request', handle);
  report({ ready: true, port: actualPort, issuer, created: state.created.length });

  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop);
}

main().catch((error: NodeJS.ErrnoException) => {
  report({ error: error.message, code: error.code });
  process.exit(1);
});
