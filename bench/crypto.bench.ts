/**
 * The envelope's cost per message, by algorithm suite: what the ADR on the suite choice quotes.
 * Local master key (no network): this is the Encryption SDK's own CPU cost per message.
 */
import { randomBytes } from 'node:crypto';
import { syntheticRecord } from '@app/contracts';
import {
  EnvelopeCipher,
  KeyUseMonitor,
  localKeyProvider,
  type AlgorithmSuiteChoice,
} from '@app/crypto-messaging';
import { fmt, progress, table } from './support';

const OPERATIONS = Number(process.env.BENCH_CRYPTO_OPS ?? 2_000);
const CONTEXT = {
  topic: 'clinic-patient-records',
  'event-type': 'patient-record.created',
  'schema-version': '1',
};

export async function runCryptoBench(): Promise<boolean> {
  const body = Buffer.from(JSON.stringify({ id: crypto.randomUUID(), data: syntheticRecord() }));
  const rows: string[][] = [];
  for (const algorithm of ['committing', 'committing-signed'] as AlgorithmSuiteChoice[]) {
    const monitor = new KeyUseMonitor('bench');
    const cipher = new EnvelopeCipher({
      keys: localKeyProvider(randomBytes(32), 'bench', monitor),
      monitor,
      algorithm,
    });
    const ops = algorithm === 'committing' ? OPERATIONS : Math.ceil(OPERATIONS / 10);
    for (let i = 0; i < 100; i++) await cipher.decrypt(await cipher.encrypt(body, CONTEXT), CONTEXT);
    const sealed: Buffer[] = [];
    let started = process.hrtime.bigint();
    for (let i = 0; i < ops; i++) sealed.push(await cipher.encrypt(body, CONTEXT));
    const encryptMs = Number(process.hrtime.bigint() - started) / 1e6 / ops;
    started = process.hrtime.bigint();
    for (const s of sealed) await cipher.decrypt(s, CONTEXT);
    const decryptMs = Number(process.hrtime.bigint() - started) / 1e6 / ops;
    progress(`${algorithm}: ${ops} encrypts and decrypts`);
    rows.push([
      algorithm,
      fmt(body.length),
      fmt(sealed[0].length - body.length),
      fmt(encryptMs, 3),
      fmt(decryptMs, 3),
      fmt(encryptMs + 3 * decryptMs, 2),
    ]);
  }
  console.log(
    table(
      ['suite', 'body B', 'overhead B', 'encrypt ms', 'decrypt ms', 'ms per record (1 enc + 3 dec)'],
      rows,
    ),
  );
  console.log('\nA record fans out to three consumers: one encrypt at the EMR, one decrypt at each system.');
  return true;
}
