/**
 * Every HTTP route of the four apps says who may call it (`@Allow` or `@Public`) and, when it
 * admits roles, what it does with PHI (`@Audited`). Walks each app's module tree as its
 * blueprint builds it, so a new controller or route without them fails here.
 */
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import type { DynamicModule, Type } from '@nestjs/common';
import {
  ACCESS_METADATA,
  AUDIT_METADATA,
  loadAppConfig,
  type AccessRule,
  type AppBlueprint,
  type AuditSpec,
} from '@app/platform';
import { billingBlueprint } from './billing/src/billing.blueprint';
import { emrBlueprint } from './emr/src/emr.blueprint';
import { prescriptionBlueprint } from './prescription/src/prescription.blueprint';
import { schedulingBlueprint } from './scheduling/src/scheduling.blueprint';

/** Controllers of libs/platform, declared there (health, key use, doctor, journey, lab): not this test's subject. */
const PLATFORM_CONTROLLERS = new Set([
  'HealthController',
  'KeyUseController',
  'DoctorController',
  'JourneyController',
  'LabTransportController',
]);
/**
 * The workshop's routes in the apps: a record's trip (ids, times, ciphertext heads, routing
 * attributes; no PHI) and the lab actions (embedded profile). Physicians and administrators.
 */
const WORKSHOP_CONTROLLERS = new Set(['RecordJourneyController', 'LabController']);

type ModuleRef = Type | DynamicModule | Promise<DynamicModule> | undefined;

function controllersOf(root: ModuleRef, seen = new Set<unknown>()): Type[] {
  if (!root || root instanceof Promise || seen.has(root)) return [];
  seen.add(root);
  const dynamic = typeof root === 'function' ? undefined : root;
  const type = typeof root === 'function' ? root : root.module;
  const imports = [
    ...((Reflect.getMetadata('imports', type) as ModuleRef[] | undefined) ?? []),
    ...((dynamic?.imports as ModuleRef[] | undefined) ?? []),
  ];
  const own = [
    ...((Reflect.getMetadata('controllers', type) as Type[] | undefined) ?? []),
    ...(dynamic?.controllers ?? []),
  ];
  return [...own, ...imports.flatMap((i) => controllersOf(i, seen))];
}

interface Route {
  readonly name: string;
  readonly access?: AccessRule;
  readonly audit?: AuditSpec;
}

function routesOf(blueprint: AppBlueprint): Route[] {
  // A database URL of its own, so that no login password is looked up in the state folder:
  // building the module tree opens no connection.
  const config = loadAppConfig(blueprint.app, {
    DATABASE_URL: `postgres://routes-test@127.0.0.1:1/${blueprint.app}`,
  });
  const module = blueprint.module(config);
  return [...new Set(controllersOf(module))]
    .filter((c) => !PLATFORM_CONTROLLERS.has(c.name))
    .flatMap((controller) =>
      Object.getOwnPropertyNames(controller.prototype)
        .map((key) => ({ key, handler: (controller.prototype as Record<string, object>)[key] }))
        .filter(({ handler }) => Reflect.getMetadata(METHOD_METADATA, handler) !== undefined)
        .filter(({ handler }) => Reflect.getMetadata(PATH_METADATA, handler) !== undefined)
        .map(({ key, handler }) => ({
          name: `${blueprint.app} ${controller.name}.${key}`,
          access: (Reflect.getMetadata(ACCESS_METADATA, handler) ??
            Reflect.getMetadata(ACCESS_METADATA, controller)) as AccessRule | undefined,
          audit: (Reflect.getMetadata(AUDIT_METADATA, handler) ??
            Reflect.getMetadata(AUDIT_METADATA, controller)) as AuditSpec | undefined,
        })),
    );
}

const all = [emrBlueprint, billingBlueprint, schedulingBlueprint, prescriptionBlueprint].flatMap(routesOf);
const isWorkshop = (r: Route) => WORKSHOP_CONTROLLERS.has(r.name.split(' ')[1].split('.')[0]);
const routes = all.filter((r) => !isWorkshop(r));
const workshop = all.filter(isWorkshop);

describe('route declarations of the four apps', () => {
  it('finds the routes (a walk that found none would prove nothing)', () => {
    expect(routes.length).toBeGreaterThanOrEqual(14);
  });

  it.each(routes.map((r) => [r.name, r] as const))('%s admits named roles and is audited', (_name, route) => {
    expect(route.access).toMatchObject({ kind: 'roles' });
    expect(route.audit?.resource).toEqual(expect.any(String));
    // Each audited PHI access locates the patient or the resource it touched (for a list across
    // patients, each patient in the answer).
    expect(route.audit?.patient ?? route.audit?.id ?? route.audit?.patients).toBeDefined();
  });

  // GET /audit and GET /audit/verification (platform's AuditController, mounted in every app) are
  // the routes that are not clinical data: the privacy officer's, and theirs alone.
  const isAuditTrail = (r: Route) => r.audit?.resource === 'audit-trail';
  const rolesOf = (r: Route) => (r.access?.kind === 'roles' ? r.access.roles : []);

  it('admits no privacy officer or administrator to clinical data', () => {
    const clinical = routes.filter((r) => !isAuditTrail(r));
    expect(clinical.length).toBeGreaterThanOrEqual(14);
    expect(clinical.flatMap(rolesOf)).not.toContain('privacy-officer');
    expect(clinical.flatMap(rolesOf)).not.toContain('administrator');
  });

  it('admits physicians and administrators, and nobody else, to the workshop routes; audits each lab action', () => {
    expect(workshop.length).toBeGreaterThanOrEqual(4);
    for (const route of workshop) expect(rolesOf(route)).toEqual(['physician', 'administrator']);
    for (const lab of workshop.filter((r) => r.name.includes('LabController')))
      expect(lab.audit).toMatchObject({ action: 'lab', resource: 'record', id: 'param.id' });
  });

  it('admits only the privacy officer to the audit trail, in every app', () => {
    const trails = routes.filter(isAuditTrail);
    expect(trails.map((r) => r.name).sort()).toEqual(
      ['billing', 'emr', 'prescription', 'scheduling'].flatMap((app) => [
        `${app} AuditController.list`,
        `${app} AuditController.verification`,
      ]),
    );
    for (const trail of trails) expect(rolesOf(trail)).toEqual(['privacy-officer']);
  });
});
