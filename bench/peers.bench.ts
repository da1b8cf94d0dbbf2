/**
 * `npm run bench -- peers`: consumer throughput against what users would pick instead, on the
 * same embedded broker (fauxqs), the same messages and the same handler:
 *   raw SDK loop        ReceiveMessage (10), the handlers at once, DeleteMessageBatch
 *   sqs-consumer        handleMessageBatch, batchSize 10
 *   @ssut/nestjs-sqs    a Nest app with a batch @SqsMessageHandler, batchSize 10
 *   crypto-messaging    this library's transport in a Nest app, concurrency 10
 * in two modes: plaintext bodies, and Encryption SDK bodies (decrypted by hand in the peers'
 * handlers with the same keyring and cache settings; by the library for ours). The messages
 * are sent straight to each contender's queue before its run, so only consuming is timed.
 * Runs are interleaved round robin; every contender runs in this process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import * as path from 'node:path';
import { CreateQueueCommand } from '@aws-sdk/client-sqs';
import { PatientRecordCreatedV1Event, recordCreated, syntheticRecord } from '@app/contracts';
import {
  contextFor,
  keyOf,
  loadOrCreateLocalMasterKey,
  MessagingRuntime,
  provisionTopology,
  queueOf,
} from '@app/crypto-messaging';
import { startEmbeddedBroker } from '@app/crypto-messaging/embedded';
import { clinicMessagingOptions, loadMessagingConfig } from '@app/clinic';
import { PassThroughCipher } from './pass-through.cipher';
import type { Contender } from './peers/contender';
import { DeliverySink } from './peers/delivery-sink';
import { HandDecryptor } from './peers/hand-decryptor';
import { libraryContender } from './peers/library.contender';
import { nestjsSqsContender } from './peers/nestjs-sqs.contender';
import { rawSdkLoop } from './peers/raw-sdk-loop';
import type { PeersBenchResult } from './peers/report';
import { sqsConsumerContender } from './peers/sqs-consumer.contender';
import {
  boundedCount,
  MIN_RATIO_TO_RAW,
  judgePeers,
  pairedCpuRatio,
  PEER_MODES,
  roundOrder,
  summarizePeers,
  type PeerMode,
  type PeerSample,
} from './peers/summary';
import { fillQueue, queueDepth, sealMessages, type PeerMessage } from './peers/workload';
import { machineSpeed } from './reference-job';
import { fmt, progress, until } from './support';

const WARM_UP_MESSAGES = 300;
/** One run may take this long at most (3,000 encrypted messages take about 4 s). */
const RUN_TIMEOUT_MS = 120_000;
const DRAIN_TIMEOUT_MS = 10_000;
/** The library consumes the topology's queue of this consumer. */
const LIBRARY_CONSUMER = 'billing';
const PREFIX = 'bench-peers';

const RAW = rawSdkLoop.name;
const PEERS = [sqsConsumerContender.name, nestjsSqsContender.name];

export async function runPeersBench(): Promise<PeersBenchResult> {
  const messageCount = boundedCount(process.env.BENCH_PEERS_MESSAGES, 3_000, 50_000, 'BENCH_PEERS_MESSAGES');
  const rounds = boundedCount(process.env.BENCH_PEERS_ROUNDS, 9, 20, 'BENCH_PEERS_ROUNDS');
  const speedBefore = await machineSpeed();
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-bench-peers-'));
  const broker = await startEmbeddedBroker({ port: 0 });
  const runtimes: MessagingRuntime[] = [];
  try {
    const options = clinicMessagingOptions(
      loadMessagingConfig({
        CLINIC_PROFILE: 'embedded',
        CLINIC_BROKER_PORT: String(broker.port),
        CLINIC_STATE_DIR: stateDir,
        CLINIC_PREFIX: PREFIX,
      }),
    );
    const runtime = (app: string) => {
      const r = MessagingRuntime.create(options, app);
      runtimes.push(r);
      return r;
    };
    const admin = runtime('provisioner');
    await provisionTopology({ topology: admin.topology, clients: admin.clients, profile: 'embedded' });
    const { topology } = admin;
    const ours = libraryContender(options, LIBRARY_CONSUMER, PatientRecordCreatedV1Event);
    const contenders: Contender[] = [rawSdkLoop, sqsConsumerContender, nestjsSqsContender, ours];
    const queueUrls = await contenderQueues(admin, contenders, ours);

    progress(`broker on ${broker.endpoint}; sealing ${messageCount} synthetic records per mode`);
    const requests = Array.from({ length: messageCount }, () => recordCreated(syntheticRecord()));
    const sealer = runtime('emr');
    const messages: Record<PeerMode, PeerMessage[]> = {
      plain: await sealMessages(
        requests,
        topology.topic.name,
        new PassThroughCipher(),
        sealer.allowedAttributes,
      ),
      encrypted: await sealMessages(
        requests,
        topology.topic.name,
        await sealer.cipher(),
        sealer.allowedAttributes,
      ),
    };
    const handDecryptor = () =>
      new HandDecryptor({
        masterKey: loadOrCreateLocalMasterKey(stateDir).key,
        keyName: keyOf(topology, topology.topic.keyRef).alias.replace(/^alias\//, ''),
        dataKeyMaxAgeS: sealer.options.dataKeyMaxAgeS,
        dataKeyMaxMessages: sealer.options.dataKeyMaxMessages,
        expectedContext: contextFor(topology.topic.name, PatientRecordCreatedV1Event),
      });

    let duplicates = 0;
    const runOnce = async (
      contender: Contender,
      mode: PeerMode,
      batch: readonly PeerMessage[],
      round: number,
    ) => {
      const queueUrl = queueUrls.get(contender.name)!;
      if ((await queueDepth(admin.clients.sqs, queueUrl)) !== 0) {
        throw new Error(`bench: the queue of ${contender.name} is not empty before its run`);
      }
      await fillQueue(admin.clients.sqs, queueUrl, batch);
      const clients = MessagingRuntime.create(options, contender.name).clients;
      const sink = new DeliverySink();
      const decryptor = mode === 'encrypted' ? handDecryptor() : undefined;
      const consumer = await contender.prepare({
        mode,
        queueUrl,
        sink,
        sqs: clients.sqs,
        decrypt: decryptor && ((ciphertext) => decryptor.decrypt(ciphertext)),
      });
      // A full collection before the window (the previous run's garbage is not this one's) and
      // one inside it at the end (this run's own garbage is): `npm run bench` runs with --expose-gc.
      collectGarbage();
      const cpuBefore = process.cpuUsage();
      const started = process.hrtime.bigint();
      await consumer.start();
      await until(
        () => sink.acked >= batch.length,
        RUN_TIMEOUT_MS,
        () => `${contender.name} (${mode}): ${sink.acked} of ${batch.length} messages consumed`,
        2,
      );
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      collectGarbage();
      const cpu = process.cpuUsage(cpuBefore);
      await consumer.stop();
      clients.destroy();
      await until(
        async () => (await queueDepth(admin.clients.sqs, queueUrl)) === 0,
        DRAIN_TIMEOUT_MS,
        `an empty queue after ${contender.name} (${mode})`,
        50,
      );
      if (sink.handled !== batch.length) {
        throw new Error(`bench: ${contender.name} handled ${sink.handled} of ${batch.length} events`);
      }
      duplicates += sink.duplicates;
      return {
        mode,
        contender: contender.name,
        round,
        messages: batch.length,
        seconds,
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
      } satisfies PeerSample;
    };

    progress(
      `warm-up: ${Math.min(WARM_UP_MESSAGES, messageCount)} messages per contender and mode (not counted)`,
    );
    for (const mode of PEER_MODES) {
      for (const contender of contenders)
        await runOnce(contender, mode, messages[mode].slice(0, Math.min(WARM_UP_MESSAGES, messageCount)), -1);
    }
    const samples: PeerSample[] = [];
    for (let round = 0; round < rounds; round++) {
      for (const mode of PEER_MODES) {
        for (const contender of roundOrder(contenders, round)) {
          const sample = await runOnce(contender, mode, messages[mode], round);
          samples.push(sample);
          progress(
            `round ${round + 1}/${rounds} ${mode} ${contender.name}: ${fmt(sample.messages / sample.seconds)} msgs/s`,
          );
        }
      }
    }
    const rows = summarizePeers(
      samples,
      contenders.map((c) => c.name),
      RAW,
    );
    const verdicts = judgePeers(rows, { ours: ours.name, peers: PEERS, minRatio: MIN_RATIO_TO_RAW });
    return {
      messages: messageCount,
      rounds: rounds,
      node: process.version,
      cores: cpus().length,
      bodyBytes: { plain: messages.plain[0].body.length, encrypted: messages.encrypted[0].body.length },
      samples,
      rows,
      verdicts,
      paired: verdicts.flatMap(
        ({ mode, leanestPeer }) =>
          pairedCpuRatio(samples, { mode, ours: ours.name, peer: leanestPeer }) ?? [],
      ),
      duplicates,
      machineSpeed: { before: speedBefore, after: await machineSpeed() },
    };
  } finally {
    for (const r of runtimes) r.close();
    await broker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }
}

/**
 * A queue per contender, so that a stopped consumer's last long poll never takes another's
 * messages: the library's is the topology's; the peers' are made alike (same visibility timeout).
 */
async function contenderQueues(
  admin: MessagingRuntime,
  contenders: readonly Contender[],
  ours: Contender,
): Promise<Map<string, string>> {
  const declared = queueOf(admin.topology, LIBRARY_CONSUMER);
  const urls = new Map<string, string>([[ours.name, await admin.queueUrl(declared.name)]]);
  for (const contender of contenders.filter((c) => c !== ours)) {
    const name = `${PREFIX}-${contender.name.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '')}`;
    const { QueueUrl } = await admin.clients.sqs.send(
      new CreateQueueCommand({
        QueueName: name,
        Attributes: { VisibilityTimeout: String(declared.visibilityTimeoutS) },
      }),
    );
    urls.set(contender.name, QueueUrl!);
  }
  return urls;
}

/** A full garbage collection, when node runs with --expose-gc (as `npm run bench` does). */
function collectGarbage(): void {
  (globalThis as { gc?: () => void }).gc?.();
}
