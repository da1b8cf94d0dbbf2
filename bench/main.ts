/**
 * `npm run bench [-- <scenario>...]`: benchmarks that print the figures the issues name.
 *   crypto      the envelope's CPU cost per message, per algorithm suite
 *   messaging   the library's publish -> fan-out -> consume throughput, encryption on/off, raw ceiling
 *   clinic      the four apps as processes: end-to-end records/s and latency p50/p99 at 50 records/s
 *   screen      the screen's script and stylesheet, raw and gzip, against a budget
 *   peers       consumer throughput and CPU against a raw SDK loop, sqs-consumer and @ssut/nestjs-sqs
 *   database    one database round trip's CPU, over the embedded server's Unix-domain socket and TCP
 * Bounded in count and time; loopback only. Misses are printed as MISSED; with --strict the
 * exit code is 1 when a target is missed.
 */
import 'reflect-metadata';
import { cpus } from 'node:os';
import { Logger } from '@nestjs/common';
import { reportClinicBench, runClinicBench } from './clinic.bench';
import { runCryptoBench } from './crypto.bench';
import { runDatabaseBench } from './database.bench';
import { runScreenBench } from './screen.bench';
import { reportMessagingBench, runMessagingBench } from './messaging.bench';
import { runPeersBench } from './peers.bench';
import { reportPeersBench } from './peers/report';

const SCENARIOS: Record<string, () => Promise<boolean>> = {
  crypto: runCryptoBench,
  messaging: async () => reportMessagingBench(await runMessagingBench()),
  clinic: async () => reportClinicBench(await runClinicBench()),
  screen: runScreenBench,
  peers: async () => reportPeersBench(await runPeersBench()),
  database: runDatabaseBench,
};

async function main(): Promise<number> {
  Logger.overrideLogger(['error']);
  const args = process.argv.slice(2);
  const strict = args.includes('--strict');
  const asked = args.filter((a) => a !== '--strict');
  const names = asked.length > 0 ? asked : Object.keys(SCENARIOS);
  const unknown = names.filter((n) => !SCENARIOS[n]);
  if (unknown.length > 0) {
    console.error(`Unknown scenario(s): ${unknown.join(', ')}. Known: ${Object.keys(SCENARIOS).join(', ')}`);
    return 2;
  }
  let allMet = true;
  for (const name of names) {
    console.log(`\n## ${name} (${process.version}, ${cpus().length} cores)\n`);
    allMet = (await SCENARIOS[name]()) && allMet;
  }
  return allMet || !strict ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
