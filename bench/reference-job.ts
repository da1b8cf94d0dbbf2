/**
 * An indicator of how fast this machine is at the moment: the CPU time of two fixed pieces of
 * work. CPU milliseconds per record compare only between runs on machines of the same speed, and
 * machines of one kind are not: on 2026-11-30 the same commit took 7.1-8.4 ms per record in the
 * afternoon and 13.9-16.3 ms in the evening, on another machine. What slowed was not the same for
 * all work: the Encryption SDK's encrypt and decrypt (computation) took 1.24-1.33 times as long,
 * the bench's load generator (HTTP requests over loopback) about twice as long. So there are two
 * jobs:
 *
 * - **compute**: JSON out and back, SHA-256, base64, small objects and a Map, as the pipeline
 *   does per message (without the Encryption SDK, whose cost depends on the Node release);
 * - **loopback**: request and answer with an echo server in another process, over TCP on
 *   127.0.0.1 (system calls, the kernel's network stack, waking the other process).
 *
 * Both are deterministic (their checksums let the spec prove the same work is done each time) and
 * timed on this thread's CPU clock. They are an indicator, not a calibration: on one machine, minutes apart, the compute
 * job's least of five moved between 25 and 36 ms. Only a large difference (such as two times)
 * says the machine, rather than the code, changed.
 */
import { createHash } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createConnection } from 'node:net';

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

/** This thread's CPU time (user + system) since `before`, in ms. */
function threadCpuMsSince(before: NodeJS.CpuUsage): number {
  const cpu = process.threadCpuUsage(before);
  return (cpu.user + cpu.system) / 1000;
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
  const cpuMs = threadCpuMsSince(before);
  digest.update(String(seen.size));
  return { cpuMs, checksum: digest.digest('hex') };
}

const ROUND_TRIPS = 2_000;
const MESSAGE_BYTES = 1_024;
/** A loopback job that has not finished by then has failed (it takes about 0.1 s). */
const LOOPBACK_TIMEOUT_MS = 10_000;

/**
 * The echo server, a process of its own (a hop between processes, as the clinic's are). It
 * prints its port, and ends when its stdin closes: with the bench, whatever ends the bench.
 */
const ECHO_SERVER = `
const server = require('node:net').createServer((socket) => {
  socket.on('error', () => {});
  socket.pipe(socket);
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
process.stdin.on('end', () => process.exit(0)).resume();
`;

export interface EchoServer {
  readonly port: number;
  readonly pid: number;
  stop(): Promise<void>;
}

/** How long the echo server may take to start, and to end once asked, before it is killed. */
const ECHO_START_MS = 5_000;
const ECHO_STOP_MS = 2_000;

/** Starts the echo server process; it is always ended: by `stop()`, or here if it fails to start. */
export async function startEchoServer(): Promise<EchoServer> {
  const child = spawn(process.execPath, ['-e', ECHO_SERVER], { stdio: ['pipe', 'pipe', 'inherit'] });
  // Resolves however the process ends, or if it never started ('error' without 'exit').
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve());
  });
  const kill = async () => {
    child.kill('SIGKILL');
    await exited;
  };
  let timer: NodeJS.Timeout | undefined;
  try {
    const port = await new Promise<number>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error('bench: the echo server did not start')), ECHO_START_MS);
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`bench: the echo server ended (exit code ${code})`)));
      child.stdout.once('data', (line: Buffer) => resolve(Number(line.toString().trim())));
    });
    return {
      port,
      pid: child.pid!,
      async stop() {
        child.stdin.end();
        const overdue = setTimeout(() => child.kill('SIGKILL'), ECHO_STOP_MS);
        await exited;
        clearTimeout(overdue);
      },
    };
  } catch (error) {
    await kill();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** The message of round trip `trip`: 1 KiB that starts with the trip's number, so order shows. */
function messageOf(trip: number): Buffer {
  const message = Buffer.alloc(MESSAGE_BYTES, 'r');
  message.writeUInt32BE(trip);
  return message;
}

/** The checksum of a loopback job whose every byte came back, in order. */
export function expectedLoopbackChecksum(): string {
  const digest = createHash('sha256');
  for (let trip = 0; trip < ROUND_TRIPS; trip++) digest.update(messageOf(trip));
  return digest.digest('hex');
}

/**
 * The loopback job: {@link ROUND_TRIPS} times, 1 KiB to the echo server and back over one TCP
 * connection on 127.0.0.1, one message in flight at a time. Timed on this thread: the sending and
 * receiving side of each hop (the server's side is the same work, in its own process).
 */
export async function runLoopbackJob(port: number): Promise<ReferenceJobRun> {
  const client = createConnection({ host: '127.0.0.1', port, noDelay: true });
  let timer: NodeJS.Timeout | undefined;
  try {
    return await new Promise<ReferenceJobRun>((resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error('bench: the loopback job did not finish')),
        LOOPBACK_TIMEOUT_MS,
      );
      const digest = createHash('sha256');
      let trips = 0;
      let pending = 0;
      let before: NodeJS.CpuUsage;
      client.on('error', reject);
      client.on('close', () => reject(new Error('bench: the echo server closed the connection')));
      client.on('data', (chunk: Buffer) => {
        digest.update(chunk);
        pending += chunk.length;
        if (pending < MESSAGE_BYTES) return;
        pending -= MESSAGE_BYTES;
        if (++trips < ROUND_TRIPS) {
          client.write(messageOf(trips));
          return;
        }
        resolve({ cpuMs: threadCpuMsSince(before), checksum: digest.digest('hex') });
      });
      client.once('connect', () => {
        before = process.threadCpuUsage();
        client.write(messageOf(0));
      });
    });
  } finally {
    clearTimeout(timer);
    client.destroy();
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
  const computeMs = await least(runComputeJob);
  const echo = await startEchoServer();
  try {
    return { computeMs, loopbackMs: await least(() => runLoopbackJob(echo.port)) };
  } finally {
    await echo.stop();
  }
}

/** What a report prints about the machine's speed around a run. */
export function machineSpeedLine({ before, after }: { before: MachineSpeed; after: MachineSpeed }): string {
  const both = (s: MachineSpeed) => `${s.computeMs.toFixed(1)} / ${s.loopbackMs.toFixed(1)} ms`;
  return (
    `(machine speed, bench/reference-job.ts, CPU of its compute / loopback jobs: ${both(before)} before the ` +
    `run, ${both(after)} after; lower is faster. Compare CPU figures only between runs whose references are close)`
  );
}
