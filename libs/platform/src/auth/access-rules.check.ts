import { Injectable, RequestMethod, type INestApplicationContext, type OnModuleInit } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ACCESS_METADATA, type AccessRule } from './access.decorators';

/** Thrown at start-up: an HTTP route declares neither `@Allow` nor `@Public`. */
export class MissingAccessRuleError extends Error {
  override name = 'MissingAccessRuleError';
  constructor(readonly routes: readonly string[]) {
    super(
      `${routes.length} HTTP route(s) declare no access rule: ${routes.join('; ')}. ` +
        "Add @Allow('<role>', ...) (or @Public() for an answer without PHI) from @app/platform to each.",
    );
  }
}

/** Every HTTP route of the app and its access rule, as declared (for the check and route tables). */
export interface DeclaredRoute {
  readonly controller: string;
  readonly handler: string;
  readonly method: string;
  readonly path: string;
  readonly access?: AccessRule;
}

/** Lists the app's HTTP routes (methods carrying a request mapping) with their access rules. */
export function declaredRoutes(
  discovery: DiscoveryService,
  scanner: MetadataScanner,
  reflector: Reflector,
): DeclaredRoute[] {
  const routes: DeclaredRoute[] = [];
  for (const wrapper of discovery.getControllers()) {
    const type = wrapper.metatype as (new (...args: never[]) => object) | null;
    if (!type || typeof type !== 'function') continue;
    const prototype = type.prototype as Record<string, unknown>;
    const base = Reflect.getMetadata(PATH_METADATA, type) as string | string[] | undefined;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      if (typeof handler !== 'function') continue;
      const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
      // Message handlers (@EventPattern) carry no request mapping: the access rule is for HTTP.
      if (path === undefined) continue;
      const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
      routes.push({
        controller: type.name,
        handler: name,
        method: method === undefined ? 'GET' : RequestMethod[method],
        path: joinPath(base, path),
        access: reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_METADATA, [handler, type]),
      });
    }
  }
  return routes;
}

/**
 * The routes of a built app with their rules: what a route x role table test iterates over, so
 * that a new route is in the table the moment it exists.
 */
export function declaredRoutesOf(app: INestApplicationContext): DeclaredRoute[] {
  return declaredRoutes(
    app.get(DiscoveryService, { strict: false }),
    app.get(MetadataScanner, { strict: false }),
    app.get(Reflector, { strict: false }),
  );
}

const first = (p: string | string[] | undefined) => (Array.isArray(p) ? (p[0] ?? '') : (p ?? ''));
function joinPath(base: string | string[] | undefined, path: string | string[]): string {
  const joined = [first(base), first(path)]
    .map((p) => p.replace(/^\/+|\/+$/g, ''))
    .filter(Boolean)
    .join('/');
  return `/${joined}`;
}

/**
 * Refuses to start an app with an HTTP route that declares no access rule: the guard would
 * refuse every call to it anyway (403), but a route nobody thought about is a mistake to catch
 * before anyone calls it.
 */
@Injectable()
export class AccessRulesCheck implements OnModuleInit {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
  ) {}

  onModuleInit(): void {
    const missing = declaredRoutes(this.discovery, this.scanner, this.reflector)
      .filter((route) => !route.access)
      .map((route) => `${route.controller}.${route.handler} (${route.method} ${route.path})`);
    if (missing.length > 0) throw new MissingAccessRuleError(missing);
  }
}
