import { AuditChainChecker, verifyAuditChain, type AuditQueryable } from './audit-chain';
import { auditEntryHash, auditTimeOf, canonicalAuditEntry, GENESIS_HASH, type AuditRow } from './audit-hash';

const base: Omit<AuditRow, 'hash'> = {
  seq: '1',
  at: '2026-11-29T20:41:07.123000Z',
  app: 'emr',
  subject: '6f1c2d3e-0000-4000-8000-000000000001',
  roles: ['physician'],
  action: 'read',
  resourceType: 'record',
  resourceId: '6f1c2d3e-0000-4000-8000-0000000000aa',
  patientId: '6f1c2d3e-0000-4000-8000-0000000000bb',
  outcome: 200,
  refusal: null,
  clientAddress: '127.0.0.1',
  requestId: 'req-00000001',
  route: '/records/:id',
  prevHash: GENESIS_HASH,
};

/** A valid chain of `n` entries. */
function chain(n: number): AuditRow[] {
  const rows: AuditRow[] = [];
  let prev = GENESIS_HASH;
  for (let i = 1; i <= n; i++) {
    const unhashed = {
      ...base,
      seq: String(i),
      prevHash: prev,
      requestId: `req-${String(i).padStart(8, '0')}`,
    };
    const row = { ...unhashed, hash: auditEntryHash(unhashed) };
    rows.push(row);
    prev = row.hash;
  }
  return rows;
}

const rehash = (row: AuditRow): AuditRow => ({ ...row, hash: auditEntryHash(row) });

function firstBreak(rows: AuditRow[]) {
  const checker = new AuditChainChecker();
  for (const row of rows) {
    const reason = checker.check(row);
    if (reason) return { seq: row.seq, reason };
  }
  return undefined;
}

describe('audit hash', () => {
  it('is SHA-256 hex over a fixed, versioned serialisation', () => {
    expect(canonicalAuditEntry(base)).toBe(
      '["clinic-audit-v1","1","2026-11-29T20:41:07.123000Z","emr","6f1c2d3e-0000-4000-8000-000000000001",["physician"],"read","record","6f1c2d3e-0000-4000-8000-0000000000aa","6f1c2d3e-0000-4000-8000-0000000000bb",200,null,"127.0.0.1","req-00000001","/records/:id","' +
        GENESIS_HASH +
        '"]',
    );
    expect(auditEntryHash(base)).toMatch(/^[0-9a-f]{64}$/);
    // Key order of the input object does not matter: the serialisation is positional.
    const reordered = Object.fromEntries(Object.entries(base).reverse()) as typeof base;
    expect(auditEntryHash(reordered)).toBe(auditEntryHash(base));
  });

  it('changes with every column, and tells null from an empty string', () => {
    const h = auditEntryHash(base);
    const edits: Partial<Omit<AuditRow, 'hash'>>[] = [
      { seq: '2' },
      { at: '2026-11-29T20:41:07.123001Z' },
      { app: 'billing' },
      { subject: null },
      { roles: ['physician', 'nurse'] },
      { action: 'list' },
      { resourceType: 'patient' },
      { resourceId: null },
      { patientId: '6f1c2d3e-0000-4000-8000-0000000000bc' },
      { outcome: 403 },
      { refusal: '' },
      { clientAddress: '127.0.0.2' },
      { requestId: 'req-00000002' },
      { route: '/records' },
      { prevHash: 'f'.repeat(64) },
    ];
    for (const edit of edits) expect(auditEntryHash({ ...base, ...edit })).not.toBe(h);
  });

  it('stores times with microseconds, as PostgreSQL reads them back', () => {
    expect(auditTimeOf(new Date('2026-11-29T20:41:07.123Z'))).toBe('2026-11-29T20:41:07.123000Z');
  });
});

describe('audit chain check', () => {
  it('accepts a chain from genesis', () => {
    expect(firstBreak(chain(5))).toBeUndefined();
  });

  it('needs genesis as the first prev hash', () => {
    const [first] = chain(1);
    expect(firstBreak([rehash({ ...first, prevHash: 'a'.repeat(64) })])).toEqual({
      seq: '1',
      reason: 'prev-hash mismatch',
    });
  });

  it('names an edited entry (hash mismatch)', () => {
    const rows = chain(5);
    rows[2] = { ...rows[2], outcome: 404 };
    expect(firstBreak(rows)).toEqual({ seq: '3', reason: 'hash mismatch' });
  });

  it('names the successor of an edited and re-hashed entry (prev-hash mismatch)', () => {
    const rows = chain(5);
    rows[2] = rehash({ ...rows[2], subject: 'someone-else' });
    expect(firstBreak(rows)).toEqual({ seq: '4', reason: 'prev-hash mismatch' });
  });

  it('names the entry after a deleted one (seq gap), the first one too', () => {
    const rows = chain(5);
    expect(firstBreak([...rows.slice(0, 2), ...rows.slice(3)])).toEqual({ seq: '4', reason: 'seq gap' });
    expect(firstBreak(rows.slice(1))).toEqual({ seq: '2', reason: 'seq gap' });
  });

  it('names an entry whose seq goes backwards', () => {
    const rows = chain(3);
    expect(firstBreak([rows[0], rows[1], rows[0]])).toEqual({ seq: '1', reason: 'seq out of order' });
  });

  it('verifyAuditChain pages through a pg-like client and reports the count', async () => {
    const rows = chain(2_500);
    const toDb = (r: AuditRow) => ({
      seq: r.seq,
      at: r.at,
      app: r.app,
      subject: r.subject,
      roles: r.roles,
      action: r.action,
      resource_type: r.resourceType,
      resource_id: r.resourceId,
      patient_id: r.patientId,
      outcome: r.outcome,
      refusal: r.refusal,
      client_address: r.clientAddress,
      request_id: r.requestId,
      route: r.route,
      prev_hash: r.prevHash,
      hash: r.hash,
    });
    const pages: string[] = [];
    const client: AuditQueryable = {
      query: (_sql, params) => {
        const after = Number((params as string[])[0]);
        pages.push(String(after));
        return Promise.resolve({
          rows: rows
            .filter((r) => Number(r.seq) > after)
            .slice(0, 1_000)
            .map(toDb),
        });
      },
    };
    await expect(verifyAuditChain(client)).resolves.toEqual({ ok: true, entries: 2_500 });
    expect(pages).toEqual(['0', '1000', '2000']);
    rows[1_700] = { ...rows[1_700], route: '/elsewhere' };
    await expect(verifyAuditChain(client)).resolves.toEqual({
      ok: false,
      entries: 1_701,
      firstBroken: { seq: '1701', reason: 'hash mismatch' },
    });
  });
});
