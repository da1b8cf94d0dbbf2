/**
 * Messaging throughput on the embedded stack: publish -> topic -> three queues -> consume.
 *   library, encryption on   EncryptedPublisher + EncryptedSqsServer with the envelope cipher
 *   library, encryption off  the same library with a pass-through cipher
 *   raw SDK ceiling          plain PublishBatch / ReceiveMessage(10) / DeleteMessageBatch
 * Every mode uses its own freshly provisioned topology on one fauxqs broker process.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PublishBatchCommand } from '@aws-sdk/client-sns';
import { DeleteMessageBatchCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { PatientRecordCreatedV1Event, syntheticRecord, recordCreated } from '@app/contracts';
import {
  contextFor,
  EncryptedPublisher,
  EncryptedSqsServer,
  MessagingRuntime,
  provisionTopology,
  type KeyUseCounters,
  type ProvisionReport,
} from '@app/crypto-messaging';
import { consumerNames } from '@app/clinic';
import { startBroker } from '@app/local-stack';
import { PassThroughCipher } from './pass-through.cipher';
import { fmt, measure, progress, table, until, type Measurement } from './support';
import { loadMessagingConfig, clinicRuntime } from '@app/clinic';

const RECORDS = Number(process.env.BENCH_RECORDS ?? 3_000);
const CONSUMERS = consumerNames();
const CONSUMER_CONCURRENCY = 40;
const PUBLISH_PARALLEL_BATCHES = 8;
const RECORDS_PER_PUBLISH_CALL = 100;
const TIMEOUT_MS = 180_000;

export interface MessagingBenchResult {
  readonly on: Measurement;
  readonly off: Measurement;
  readonly raw: Measurement;
  readonly publisherKeys: KeyUseCounters;
  readonly consumerKeys: KeyUseCounters[];
  readonly bodyBytes: { plain: number; encrypted: number };
}

export async function runMessagingBench(): Promise<MessagingBenchResult> {
  const stateDir = mkdtempSync(path.join(tmpdir(), 'clinic-bench-'));
  const broker = await startBroker({ port: 0 });
  const runtimes: MessagingRuntime[] = [];
  const runtimeFor = (prefix: string, app: string) => {
    const config = loadMessagingConfig({
      CLINIC_PROFILE: 'embedded',
      CLINIC_BROKER_PORT: String(broker.port),
      CLINIC_STATE_DIR: stateDir,
      CLINIC_PREFIX: prefix,
    });
    const runtime = clinicRuntime(config, app);
    runtimes.push(runtime);
    return runtime;
  };
  const provision = async (prefix: string) => {
    const admin = runtimeFor(prefix, 'provisioner');
    return provisionTopology({ topology: admin.topology, clients: admin.clients, profile: 'embedded' });
  };
  // Every record is billable and orders medication, so each reaches all three queues.
  const records = Array.from({ length: RECORDS }, () => syntheticRecord());
  const requests = records.map((r) => recordCreated(r));

  try {
    progress(`broker on ${broker.endpoint}; ${RECORDS} records per mode, 3 queues each`);
    // A short warm-up (JIT, sockets) that is not measured.
    await libraryRun('bench-warmup', await provision('bench-warmup'), 'on', requests.slice(0, 300));
    const on = await libraryRun('bench-on', await provision('bench-on'), 'on', requests);
    const off = await libraryRun('bench-off', await provision('bench-off'), 'off', requests);
    const raw = await rawRun(await provision('bench-raw'));
    return {
      on: on.measurement,
      off: off.measurement,
      raw,
      publisherKeys: on.publisherKeys,
      consumerKeys: on.consumerKeys,
      bodyBytes: on.bodyBytes,
    };
  } finally {
    for (const r of runtimes) r.close();
    await broker.stop();
    rmSync(stateDir, { recursive: true, force: true });
  }

  async function libraryRun(
    prefix: string,
    provisioned: ProvisionReport,
    encryption: 'on' | 'off',
    batch: typeof requests,
  ) {
    const publisherRuntime = runtimeFor(prefix, 'emr');
    const topicName = publisherRuntime.topology.topic.name;
    const publisher =
      encryption === 'on'
        ? await publisherRuntime.publisher()
        : new EncryptedPublisher({
            sns: publisherRuntime.clients.sns,
            topicArn: provisioned.topicArn,
            topicName,
            cipher: new PassThroughCipher(),
            allowedAttributes: publisherRuntime.allowedAttributes,
          });
    let acked = 0;
    const servers: EncryptedSqsServer[] = [];
    const consumerRuntimes: MessagingRuntime[] = [];
    for (const consumer of CONSUMERS) {
      const runtime = runtimeFor(prefix, consumer);
      consumerRuntimes.push(runtime);
      const q = provisioned.queues[consumer];
      const server =
        encryption === 'on'
          ? await runtime.consumerServer(consumer, [PatientRecordCreatedV1Event], {
              concurrency: CONSUMER_CONCURRENCY,
              waitTimeS: 1,
            })
          : new EncryptedSqsServer({
              sqs: runtime.clients.sqs,
              queueUrl: q.url,
              deadLetterQueueUrl: q.dlqUrl,
              topicName,
              cipher: new PassThroughCipher(),
              events: [PatientRecordCreatedV1Event],
              concurrency: CONSUMER_CONCURRENCY,
              waitTimeS: 1,
            });
      server.addHandler(PatientRecordCreatedV1Event.pattern, () => Promise.resolve(), true);
      server.on('outcome', (o) => {
        if (o.outcome === 'acked') acked++;
      });
      server.listen(() => undefined);
      servers.push(server);
    }
    const expected = batch.length * CONSUMERS.length;
    const started = process.hrtime.bigint();
    const chunks: Array<typeof batch> = [];
    for (let i = 0; i < batch.length; i += RECORDS_PER_PUBLISH_CALL)
      chunks.push(batch.slice(i, i + RECORDS_PER_PUBLISH_CALL));
    let failed = 0;
    await Promise.all(
      Array.from({ length: PUBLISH_PARALLEL_BATCHES }, async () => {
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          failed += (await publisher.publishBatch(chunk)).filter((o) => !o.ok).length;
        }
      }),
    );
    if (failed > 0) throw new Error(`bench: ${failed} publishes failed`);
    await until(() => acked >= expected, TIMEOUT_MS, `${expected} deliveries (${prefix})`);
    const measurement = measure(`library, encryption ${encryption}`, batch.length, started);
    for (const s of servers) await s.close();
    const sample = JSON.stringify({ data: batch[0].data });
    const sealed =
      encryption === 'on'
        ? (
            await (
              await publisherRuntime.cipher()
            ).encrypt(Buffer.from(sample), contextFor(topicName, PatientRecordCreatedV1Event))
          ).toString('base64').length
        : sample.length;
    if (prefix !== 'bench-warmup')
      progress(`${measurement.name}: ${fmt(measurement.recordsPerSecond)} records/s`);
    return {
      measurement,
      publisherKeys: publisherRuntime.monitor.snapshot(),
      consumerKeys: consumerRuntimes.map((r) => r.monitor.snapshot()),
      bodyBytes: { plain: sample.length, encrypted: sealed },
    };
  }

  async function rawRun(provisioned: ProvisionReport): Promise<Measurement> {
    const runtime = runtimeFor('bench-raw', 'raw');
    const { sns, sqs } = runtime.clients;
    const expected = records.length * CONSUMERS.length;
    let deleted = 0;
    let stop = false;
    const loopsPerQueue = Math.ceil(CONSUMER_CONCURRENCY / 10);
    const consumers = CONSUMERS.flatMap((consumer) =>
      Array.from({ length: loopsPerQueue }, async () => {
        const QueueUrl = provisioned.queues[consumer].url;
        while (!stop) {
          const out = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              MessageAttributeNames: ['All'],
            }),
          );
          const messages = out.Messages ?? [];
          if (messages.length === 0) continue;
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl,
              Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
            }),
          );
          deleted += messages.length;
        }
      }),
    );
    const started = process.hrtime.bigint();
    const bodies = requests.map((r) => ({
      body: JSON.stringify({ id: crypto.randomUUID(), data: r.data }),
      attributes: Object.fromEntries(
        Object.entries({
          ...(r.attributes ?? {}),
          'event-type': 'patient-record.created',
          'schema-version': '1',
        }).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }));
    const chunks: Array<typeof bodies> = [];
    for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
    await Promise.all(
      Array.from({ length: PUBLISH_PARALLEL_BATCHES * 10 }, async () => {
        for (let chunk = chunks.shift(); chunk; chunk = chunks.shift()) {
          await sns.send(
            new PublishBatchCommand({
              TopicArn: provisioned.topicArn,
              PublishBatchRequestEntries: chunk.map((b, i) => ({
                Id: String(i),
                Message: b.body,
                MessageAttributes: b.attributes,
              })),
            }),
          );
        }
      }),
    );
    await until(() => deleted >= expected, TIMEOUT_MS, `${expected} raw deliveries`);
    const measurement = measure('raw SDK ceiling', records.length, started);
    stop = true;
    await Promise.all(consumers);
    progress(`${measurement.name}: ${fmt(measurement.recordsPerSecond)} records/s`);
    return measurement;
  }
}

/** Prints the scenario's report; returns false when a target is missed. */
export function reportMessagingBench(result: MessagingBenchResult): boolean {
  const { on, off, raw } = result;
  const rows = [on, off, raw].map((m) => [
    m.name,
    fmt(m.records),
    fmt(m.seconds, 2),
    fmt(m.recordsPerSecond),
    fmt(m.recordsPerSecond * CONSUMERS.length),
  ]);
  console.log(table(['mode', 'records', 'seconds', 'records/s', 'deliveries/s'], rows));
  const encRatio = on.recordsPerSecond / off.recordsPerSecond;
  const libRatio = on.recordsPerSecond / raw.recordsPerSecond;
  console.log('');
  console.log(
    `encryption on / off:        ${fmt(encRatio * 100, 1)} %   (information: the like-for-like target is in "peers")`,
  );
  console.log(
    `library (encrypted) / raw:  ${fmt(libRatio * 100, 1)} %   (target >= 50 %)  ${libRatio >= 0.5 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `body size, one record:      ${fmt(result.bodyBytes.plain)} B plaintext -> ${fmt(result.bodyBytes.encrypted)} B envelope (base64)`,
  );
  const p = result.publisherKeys;
  console.log(
    `key use, publisher:         ${p.generateDataKey} data key(s) generated for ${fmt(p.encryptions)} messages (${fmt(p.encryptCacheHits)} cache hits)`,
  );
  result.consumerKeys.forEach((c, i) =>
    console.log(
      `key use, ${CONSUMERS[i].padEnd(12)}        ${c.decryptDataKey} data key(s) decrypted for ${fmt(c.decryptions)} messages (${fmt(c.decryptCacheHits)} cache hits)`,
    ),
  );
  console.log(
    '(embedded profile: each data-key operation is one local AES unwrap; on AWS it is one KMS call)',
  );
  return libRatio >= 0.5;
}
