import { syntheticRecord } from '../synthetic/synthetic-record';
import { PatientRecordCreatedV1Schema } from './patient-record-created.event';

describe('patient-record.created.v1 enteredBy', () => {
  const parse = (enteredBy: unknown) =>
    PatientRecordCreatedV1Schema.safeParse({ ...syntheticRecord(), enteredBy });

  it('accepts a UUID subject and an opaque provider id', () => {
    expect(parse('7f0c6a0e-3b5d-4c1e-9a53-0d6f1c2b9a01').success).toBe(true);
    expect(parse('us-east-1_AbC:4a9b3c2d').success).toBe(true);
  });

  it('keeps events written before sign-in existed valid (no enteredBy)', () => {
    const { enteredBy: _omitted, ...legacy } = syntheticRecord();
    const parsed = PatientRecordCreatedV1Schema.parse(legacy);
    expect(parsed.enteredBy).toBeUndefined();
  });

  it.each([
    ['a name', 'Dr. Sam Synthetic'],
    ['an email', 'sam@clinic.example'],
    ['an empty string', ''],
    ['an over-long id', 'a'.repeat(129)],
    ['a number', 42],
  ])('refuses %s, naming the field', (_case, value) => {
    const result = parse(value);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0].path).toEqual(['enteredBy']);
  });
});
