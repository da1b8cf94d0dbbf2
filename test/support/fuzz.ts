/**
 * fast-check arbitraries for hostile HTTP input, and the check that a refusal names a field.
 * Shared by the apps' property-based suites (`*.fuzz.e2e-spec.ts`).
 */
import fc from 'fast-check';

/** Strings a careless or hostile client sends: control characters, broken Unicode, injections. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.string({
    unit: fc.constantFrom(
      '\u0000',
      '\u0001',
      '\u001f',
      '\u007f',
      '\u0085',
      '\u2028',
      '\ud800',
      '\udfff',
      'a',
      'é',
      '😀',
    ),
    maxLength: 8,
  }),
  fc.constantFrom(
    '',
    ' ',
    'A\u0000',
    '\u202eevil',
    '__proto__',
    'constructor',
    "'; DROP TABLE patients; --",
    '%00',
    '../../etc/passwd',
    'x'.repeat(10_001),
  ),
);

const MAX_DATE_MS = 8.64e15;
/** Dates of every shape: ISO week and ordinal, no offset, impossible days, the far past and future. */
export const anyDate: fc.Arbitrary<string> = fc.oneof(
  fc
    .date({ min: new Date(-MAX_DATE_MS), max: new Date(MAX_DATE_MS), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc
    .date({ min: new Date(-MAX_DATE_MS), max: new Date(MAX_DATE_MS), noInvalidDate: true })
    .map((d) => d.toISOString().slice(0, 10)),
  fc
    .tuple(
      fc.integer({ min: -1, max: 99_999 }),
      fc.integer({ min: -1, max: 99 }),
      fc.integer({ min: -1, max: 99 }),
    )
    .map(([y, m, d]) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`),
  fc.constantFrom(
    '2026-W48-5',
    '2026-W48',
    '2026-331',
    '2026-13-45',
    '9999-12-31',
    '9999-12-31T23:59:59Z',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00.000Z',
    '-000001-01-01T00:00:00Z',
    '2026-02-29',
    '2026-02-29T09:00:00Z',
    '2026-11-27T09:30',
    '2026-11-27T24:00:00Z',
    '2026-11-27T09:30:00+25:00',
    '2026-11-27 09:30:00Z',
    '20261127T093000Z',
    '2026-11-27T09:30:00.1234567890Z',
    'Infinity',
  ),
);

/** Numbers at and past every edge JSON can carry. */
export const anyNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -(2 ** 53) - 2, 0.5, 5e-324, -1, 0, 13_001),
);

/** Any value a JSON field could hold, hostile ones first. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  anyDate,
  anyNumber,
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.oneof(hostileString, anyNumber, fc.constant(null)), { maxLength: 5 }),
  fc.jsonValue({ maxDepth: 3 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }),
);

type Json = Record<string, unknown>;

function setPath(target: Json, path: string, change: { value: unknown } | 'delete'): void {
  const keys = path.split('.');
  let node: unknown = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node !== 'object' || node === null) return;
    node = (node as Json)[key];
  }
  if (typeof node !== 'object' || node === null) return;
  const last = keys[keys.length - 1];
  if (change === 'delete') delete (node as Json)[last];
  else (node as Json)[last] = change.value;
}

/**
 * A valid body with one to three fields (at the given paths, or a new one) replaced by any
 * value or removed. Mutating a valid body reaches the checks behind the first failing one.
 */
export function mutated(valid: () => Json, paths: readonly string[]): fc.Arbitrary<Json> {
  const change = fc.oneof(
    { weight: 4, arbitrary: anyValue.map((value) => ({ value })) },
    { weight: 1, arbitrary: fc.constant('delete' as const) },
  );
  const path = fc.oneof(
    fc.constantFrom(...paths),
    hostileString.filter((s) => s.length > 0 && !s.includes('.')),
  );
  return fc.array(fc.tuple(path, change), { minLength: 1, maxLength: 3 }).map((changes) => {
    const body = structuredClone(valid());
    for (const [p, c] of changes) setPath(body, p, c);
    return body;
  });
}

/**
 * True when every message of a 400 starts with the path of a field of the model (`visit.date`,
 * `medications.0.dose`), `body`, or names an unknown property: the client can tell what to fix.
 */
export function namesAField(message: unknown, fields: readonly string[]): boolean {
  const messages = ([] as unknown[]).concat(message ?? []);
  if (messages.length === 0) return false;
  const roots = new Set([...fields, 'body']);
  return messages.every((m) => {
    if (typeof m !== 'string') return false;
    if (/^property .* should not exist$/s.test(m)) return true;
    // class-validator's own forms: "each value in nested property diagnoses must be ...".
    const path = /^(?:each value in )?(?:nested property )?([A-Za-z]+)(?:\.[A-Za-z0-9]+)*[ :]/.exec(m)?.[1];
    return path !== undefined && roots.has(path.split('.')[0]);
  });
}

/** fast-check settings of the HTTP suites: bounded runs and time. */
export const FUZZ_LIMITS = { interruptAfterTimeLimit: 8_000, markInterruptAsFailure: false } as const;
