/**
 * The part of oidc-provider 9 (which ships no type declarations) that the embedded provider
 * uses. Loose where the library hands us its Koa context; precise where we read values.
 */
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface OidcToken {
    readonly kind: string;
    readonly accountId?: string;
    readonly clientId?: string;
    readonly sid?: string;
    readonly iat?: number;
    readonly iiat?: number;
    readonly exp?: number;
    readonly grantId?: string;
  }

  export interface OidcGrant {
    readonly jti?: string;
    readonly exp?: number;
    addOIDCScope(scope: string): void;
    addOIDCClaims(claims: string[]): void;
    addResourceScope(resource: string, scope: string): void;
    save(): Promise<string>;
  }

  export interface OidcContext {
    readonly oidc: {
      readonly entities: { readonly Grant?: OidcGrant; readonly Session?: unknown };
      readonly client?: { readonly clientId: string };
    };
  }

  export interface KoaLikeContext {
    body: unknown;
    type: string;
    status: number;
    set(name: string, value: string): void;
  }

  export interface InteractionDetails {
    readonly uid: string;
    readonly prompt: { readonly name: string; readonly details: Record<string, unknown> };
    readonly params: Record<string, unknown>;
    readonly session?: { readonly accountId?: string };
    readonly grantId?: string;
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    readonly Grant: {
      new (init: { accountId: string; clientId: string }): OidcGrant;
      find(id: string): Promise<OidcGrant | undefined>;
    };
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    use(middleware: (ctx: KoaLikeContext, next: () => Promise<void>) => Promise<void>): void;
    interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
    interactionFinished(
      req: IncomingMessage,
      res: ServerResponse,
      result: Record<string, unknown>,
      options?: { mergeWithLastSubmission?: boolean },
    ): Promise<void>;
    on(event: string, listener: (...args: unknown[]) => void): this;
  }

  export const errors: {
    InvalidTarget: new (description?: string) => Error;
    SessionNotFound: new (description?: string) => Error;
  };

  export default Provider;
}
