import type { DataSource } from 'typeorm';
import type { Principal } from '@app/identity';
import { STAFF } from '@app/identity';
import {
  assertPrescribedTo,
  assertReadableBy,
  FillAccessCode,
  FillAccessError,
  fillPharmacyOf,
  readablePharmacyOf,
} from './fill-access';
import { FillRepository } from './fill.repository';
import { FillsService } from './fills.service';
import { PrescriptionRepository } from './prescription.repository';

const principalOf = (username: string): Principal => {
  const member = STAFF.find((s) => s.username === username)!;
  return { subject: member.subject, roles: member.roles, pharmacyId: member.pharmacyId };
};
const pharmacist = principalOf('pharmacist'); // pharm-001
const report = { quantity: 1, filledAt: '2026-11-28T15:04:05Z' };

describe('fillPharmacyOf', () => {
  it("records the fill for the pharmacist's own pharmacy, with or without the same pharmacyId", () => {
    expect(fillPharmacyOf(pharmacist, undefined)).toEqual({
      pharmacyId: 'pharm-001',
      pharmacist: pharmacist.subject,
    });
    expect(fillPharmacyOf(pharmacist, 'pharm-001').pharmacyId).toBe('pharm-001');
  });

  // "Nobody signed in" never reaches the handler: the guard answers 401 (prescription.e2e-spec).
  it.each<[string, Principal, string | undefined, FillAccessCode]>([
    ['another pharmacy in the body', pharmacist, 'pharm-002', FillAccessCode.NotYours],
    [
      'a pharmacist without a pharmacy claim',
      { ...pharmacist, pharmacyId: undefined },
      undefined,
      FillAccessCode.NoPharmacy,
    ],
    ['a physician', principalOf('physician'), 'pharm-001', FillAccessCode.NoPharmacy],
    [
      'a pharmacy claim without the pharmacist role',
      { ...principalOf('nurse'), pharmacyId: 'pharm-001' },
      undefined,
      FillAccessCode.NoPharmacy,
    ],
  ])('refuses %s with 403 and a code', (_case, principal, claimed, code) => {
    let thrown: unknown;
    try {
      fillPharmacyOf(principal, claimed);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FillAccessError);
    expect((thrown as FillAccessError).getStatus()).toBe(403);
    expect((thrown as FillAccessError).getResponse()).toMatchObject({ statusCode: 403, code });
  });
});

describe('assertPrescribedTo', () => {
  const prescribed = { id: 'rx-1', pharmacyId: 'pharm-001' };

  it('lets the pharmacy prescribed fill it', () => {
    expect(() => assertPrescribedTo(prescribed, 'pharm-001')).not.toThrow();
  });

  it("refuses another pharmacy's pharmacist with 403 PHARMACY_MISMATCH, naming ids only", () => {
    let thrown: unknown;
    try {
      assertPrescribedTo(prescribed, 'pharm-002');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(FillAccessError);
    expect((thrown as FillAccessError).getStatus()).toBe(403);
    expect((thrown as FillAccessError).getResponse()).toMatchObject({
      statusCode: 403,
      code: FillAccessCode.PrescribedElsewhere,
      message: expect.stringContaining('pharm-002') as unknown,
    });
  });
});

describe('who reads which prescriptions', () => {
  const prescribed = { id: 'rx-1', pharmacyId: 'pharm-001' };
  const codeOf = (read: () => unknown) => {
    try {
      read();
    } catch (error) {
      expect(error).toBeInstanceOf(FillAccessError);
      expect((error as FillAccessError).getStatus()).toBe(403);
      return ((error as FillAccessError).getResponse() as { code: string }).code;
    }
    return 'none';
  };

  it("reads a physician every pharmacy's, a pharmacist their own pharmacy's", () => {
    expect(readablePharmacyOf(principalOf('physician'))).toBeUndefined();
    expect(readablePharmacyOf(pharmacist)).toBe('pharm-001');
    expect(readablePharmacyOf(principalOf('pharmacist2'))).toBe('pharm-002');
    expect(codeOf(() => assertReadableBy(prescribed, pharmacist))).toBe('none');
    expect(codeOf(() => assertReadableBy(prescribed, principalOf('physician')))).toBe('none');
  });

  it("refuses another pharmacy's pharmacist (PHARMACY_NOT_YOURS), and a pharmacist of none (NO_PHARMACY_CLAIM)", () => {
    expect(codeOf(() => assertReadableBy(prescribed, principalOf('pharmacist2')))).toBe(
      FillAccessCode.NotYours,
    );
    const ofNone = { ...pharmacist, pharmacyId: undefined };
    expect(codeOf(() => readablePharmacyOf(ofNone))).toBe(FillAccessCode.NoPharmacy);
    expect(codeOf(() => assertReadableBy(prescribed, ofNone))).toBe(FillAccessCode.NoPharmacy);
    expect(codeOf(() => readablePharmacyOf(principalOf('nurse')))).toBe(FillAccessCode.NoPharmacy);
  });
});

describe('FillsService.recordFill access', () => {
  // Refusals come before any read: a database that fails the test if touched proves it.
  const untouchable = new Proxy({} as DataSource, {
    get: (_target, property) => {
      throw new Error(`the database was used (${String(property)}) before the pharmacy rule refused`);
    },
  });
  const service = new FillsService(
    untouchable,
    new PrescriptionRepository(untouchable),
    new FillRepository(),
  );
  const id = '11111111-1111-4111-8111-111111111111';

  it('refuses a pharmacist posting as another pharmacy (PHARMACY_NOT_YOURS) before reading anything', async () => {
    await expect(
      service.recordFill(id, { ...report, pharmacyId: 'pharm-002' }, pharmacist),
    ).rejects.toMatchObject({
      code: FillAccessCode.NotYours,
      status: 403,
    });
  });

  it('refuses a pharmacist of no pharmacy, and anyone not a pharmacist, with or without a key', async () => {
    await expect(
      service.recordFill(id, report, { ...pharmacist, pharmacyId: undefined }),
    ).rejects.toMatchObject({
      code: FillAccessCode.NoPharmacy,
    });
    await expect(service.recordFill(id, report, principalOf('physician'), 'key-1')).rejects.toMatchObject({
      code: FillAccessCode.NoPharmacy,
    });
  });

  it('lets its own pharmacist through to the database', async () => {
    await expect(service.recordFill(id, report, pharmacist)).rejects.toThrow(/the database was used/);
  });
});
