/**
 * How fast this machine is at the moment, as the CPU time of two fixed pieces of work. CPU
 * milliseconds per record are only comparable between runs on machines of the same speed, and
 * machines of one kind are not: on 2026-11-30 the same commit took 7.1-8.4 ms per record in
 * the afternoon and 13.9-16.3 ms in the evening. What slowed was not the same for all work: the
 * Encryption SDK's encrypt and decrypt (pure computation) took 1.25-1.3 times as long, the
 * bench's load generator (HTTP requests over loopback) 2.2 times. So the reference is two jobs:
 *
 * - **compute**: JSON out and back, SHA-256, base64, small objects and a Map, as the pipeline
 *   does per message (without the crypto, whose cost depends on the Node release);
 * - **loopback**: request and answer over a TCP connection on 127.0.0.1, as every hop of the
 *   clinic is (system calls, the kernel's network stack, the event loop).
 *
 * Both are deterministic (the checksum proves the same work was done) and timed on this thread's
 * CPU clock. A run's reference tells a slow commit from a slow machine.
 */
import { createHash } from 'node:crypto';
import { createConnection, createServer, type AddressInfo } from 'node:net';

/** One run of a reference job: the CPU it took and a checksum of its output (always the same). */
export interface ReferenceJobRun {
  readonly cpuMs: number;
  readonly checksum: string;
}

const ITERATIONS = 4_000;
const REPEATS = 5;

/** A record shaped like the clinic's (ids, codes, a note), built from `i` alone. */
function recordOf(i: number) {
  return {
    id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    patientId: `11111111-1111-4111-8111-${String(i % 997).padStart(12, '0')}`,
    visitDate: `2027-0${1 + (i % 9)}-1${i % 10}`,
    diagnoses: [{ code: `E11.${i % 10}`, description: 'Type 2 diabetes mellitus' }],
    labOrders: [{ loinc: '4548-4', reason: 'follow-up' }],
    medications: [{ rxnorm: String(860975 + (i % 13)), dose: '500 mg', frequency: 'twice daily', days: 30 }],
    note: 'Synthetic reference note. '.repeat(8 + (i % 5)),
  };
}

/** The compute job, once. */
export function runComputeJob(): ReferenceJobRun {
  // This thread's CPU only: the process's would add V8's background threads (compiling what a
  // bench just loaded, marking its heap), which are not this job's work.
  const before = process.threadCpuUsage();
  const digest = createHash('sha256');
  const seen = new Map<string, number>();
  for (let i = 0; i < ITERATIONS; i++) {
    const text = JSON.stringify({ type: 'patient-record.created', version: 1, data: recordOf(i) });
    const back = JSON.parse(Buffer.from(Buffer.from(text).toString('base64'), 'base64').toString('utf8')) as {
      data: { patientId: string };
    };
    seen.set(back.data.patientId, (seen.get(back.data.patientId) ?? 0) + 1);
    digest.update(createHash('sha256').update(text).digest());
  }
  const cpu = process.threadCpuUsage(before);
  digest.update(String(seen.size));
  return { cpuMs: (cpu.user + cpu.system) / 1000, checksum: digest.digest('hex') };
}

const ROUND_TRIPS = 2_000;
const MESSAGE = Buffer.alloc(1_024, 'r');

/**
 * The loopback job: {@link ROUND_TRIPS} times, 1 KiB to an echo server in this process and back
 * over one TCP connection on 127.0.0.1. Both ends run on this thread, so its CPU is the whole job.
 */
export async function runLoopbackJob(): Promise<ReferenceJobRun> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const client = createConnection({ host: '127.0.0.1', port, noDelay: true });
  try {
    await new Promise<void>((resolve, reject) => client.once('connect', resolve).once('error', reject));
    const before = process.threadCpuUsage();
    const received = await new Promise<number>((resolve, reject) => {
      let trips = 0;
      let pending = 0;
      let total = 0;
      client.on('error', reject);
      client.on('data', (chunk: Buffer) => {
        total += chunk.length;
        pending += chunk.length;
        if (pending < MESSAGE.length) return;
        pending -= MESSAGE.length;
        if (++trips === ROUND_TRIPS) resolve(total);
        else client.write(MESSAGE);
      });
      client.write(MESSAGE);
    });
    const cpu = process.threadCpuUsage(before);
    return {
      cpuMs: (cpu.user + cpu.system) / 1000,
      checksum: createHash('sha256').update(String(received)).digest('hex'),
    };
  } finally {
    client.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The machine's speed: CPU ms of each reference job. Lower is faster. */
export interface MachineSpeed {
  readonly computeMs: number;
  readonly loopbackMs: number;
}

/**
 * The machine's speed now: for each job, the least CPU time of a few runs (the least is the run
 * least disturbed by whatever else the machine did). About 1-2 s in all.
 */
export async function machineSpeed(): Promise<MachineSpeed> {
  const least = async (run: () => ReferenceJobRun | Promise<ReferenceJobRun>) => {
    await run(); // compiles and warms what the measured runs use
    let min = Infinity;
    for (let i = 0; i < REPEATS; i++) min = Math.min(min, (await run()).cpuMs);
    return min;
  };
  return { computeMs: await least(runComputeJob), loopbackMs: await least(runLoopbackJob) };
}

/** What a report prints about the machine's speed around a run. */
export function machineSpeedLine({ before, after }: { before: MachineSpeed; after: MachineSpeed }): string {
  const both = (s: MachineSpeed) => `${s.computeMs.toFixed(1)} / ${s.loopbackMs.toFixed(1)} ms`;
  return (
    `(machine speed, bench/reference-job.ts, CPU of its compute / loopback jobs: ${both(before)} before the ` +
    `run, ${both(after)} after; lower is faster. Compare CPU figures only between runs whose references are close)`
  );
}
