import { mergeNewestFirst } from './audit.controller';
import type { AuditEntry } from './audit.view';

const entry = (app: string, seq: string, at: string): AuditEntry => ({
  seq,
  at,
  app,
  subject: null,
  roles: [],
  action: 'read',
  resourceType: 'record',
  resourceId: null,
  patientId: null,
  outcome: 200,
  refusal: null,
  route: '/records/:id',
});

describe("merging the apps' trails", () => {
  it('puts the newest first across apps, keeps each app newest first on a tie, and cuts at the maximum', () => {
    const emr = [
      entry('emr', '10', '2026-11-29T10:00:00.000300Z'),
      entry('emr', '9', '2026-11-29T09:00:00.000000Z'),
    ];
    const billing = [
      entry('billing', '3', '2026-11-29T10:00:00.000300Z'),
      entry('billing', '2', '2026-11-29T10:00:00.000300Z'),
      entry('billing', '1', '2026-11-29T08:00:00.000000Z'),
    ];
    expect(mergeNewestFirst([emr, billing], 4).map((e) => `${e.app}#${e.seq}`)).toEqual([
      'billing#3',
      'billing#2',
      'emr#10',
      'emr#9',
    ]);
    expect(mergeNewestFirst([[], []], 4)).toEqual([]);
  });
});
