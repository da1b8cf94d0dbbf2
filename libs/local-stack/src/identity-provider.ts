import * as path from 'node:path';
import type { IdentityConfig } from '@app/identity';
import type { ProcessExit } from '@app/crypto-messaging/embedded';
import { assertPortFree, launchTypeScript, PortInUseError } from './launch';

/** The embedded OpenID Connect provider (oidc-provider) in a process of its own, on loopback. */
export interface IdentityProvider {
  /** `http://127.0.0.1:<port>`: what apps trust (`CLINIC_OIDC_ISSUER`) and people sign in at. */
  readonly issuer: string;
  readonly port: number;
  /** The provider's process (fault tests kill it; `npm start` watches it). */
  readonly pid: number;
  /** Resolves when the process ends, whatever ended it. */
  readonly exited: Promise<ProcessExit>;
  /** Resolves true when the provider answers its discovery document. */
  healthy(): Promise<boolean>;
  stop(): Promise<void>;
}

export interface IdentityProviderOptions {
  /** Loopback port; 0 picks a free one. */
  port: number;
  /** Audience, client id, lifetimes and the state folder (keys, passwords: owner-only). */
  identity: IdentityConfig;
  /** The setting that chose the port, named in the error when it is taken. */
  portSetting?: string;
  /** The clinic screen's port for the browser client's redirect URIs (default CLINIC_WEB_PORT or 8080). */
  webPort?: number;
  /**
   * The provider's structured log lines (JSON: sign-ins succeeded, failed, throttled; tokens
   * issued and refused), with ids and addresses only, never a typed value.
   */
  onLog?: (line: string) => void;
}

const START_TIMEOUT_MS = 30_000;
/** The provider's process entry, run from source with SWC like the apps. */
const ENTRY = path.resolve(__dirname, '..', '..', 'identity', 'src', 'provider', 'main.ts');

/**
 * Starts the embedded OpenID Connect provider on 127.0.0.1. Its signing keys, cookie keys and
 * the synthetic staff's passwords are generated on first start into `identity.stateDir` and
 * reused after. Sessions live in memory: a restart signs everyone out (keys survive).
 */
export async function startIdentityProvider(options: IdentityProviderOptions): Promise<IdentityProvider> {
  const setting = options.portSetting ?? 'CLINIC_IDP_PORT';
  const service = 'identity provider';
  await assertPortFree(options.port, setting, service);
  const { identity } = options;
  const env: Record<string, string> = {
    IDP_PORT: String(options.port),
    IDP_CONFIG: JSON.stringify({
      audience: identity.audience,
      clientId: identity.clientId,
      stateDir: identity.stateDir,
      accessTokenSeconds: identity.accessTokenSeconds,
      sessionIdleSeconds: identity.sessionIdleSeconds,
      sessionMaxSeconds: identity.sessionMaxSeconds,
    }),
    NODE_NO_WARNINGS: '1',
  };
  if (options.webPort !== undefined) env.CLINIC_WEB_PORT = String(options.webPort);
  let launched;
  try {
    launched = await launchTypeScript(ENTRY, env, {
      service,
      timeoutMs: START_TIMEOUT_MS,
      onLine: options.onLog,
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new PortInUseError(options.port, setting, service);
    throw error;
  }
  const issuer = `http://127.0.0.1:${launched.port}`;
  return {
    issuer,
    port: launched.port,
    pid: launched.child.pid!,
    exited: launched.exited,
    async healthy() {
      try {
        const response = await fetch(`${issuer}/.well-known/openid-configuration`, {
          signal: AbortSignal.timeout(2000),
        });
        return response.ok;
      } catch {
        return false;
      }
    },
    stop: () => launched.stop(),
  };
}
