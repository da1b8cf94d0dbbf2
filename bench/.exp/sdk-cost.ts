import { SQSClient, CreateQueueCommand, SendMessageBatchCommand, ReceiveMessageCommand, DeleteMessageBatchCommand } from '@aws-sdk/client-sqs';
import { startEmbeddedBroker } from '@app/crypto-messaging/embedded';

async function main() {
  const broker = await startEmbeddedBroker({ port: 0 });
  const sqs = new SQSClient({ region: 'us-east-1', endpoint: broker.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'y' }, md5: false, cacheMiddleware: process.env.CACHE === '1' } as any);
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'q' }));
  const N = Number(process.env.N ?? 2000);
  const body = 'x'.repeat(3000);
  // warm
  for (let i = 0; i < 200; i++) await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }));
  const phase = async (name: string, fn: () => Promise<unknown>) => {
    const c0 = process.cpuUsage(); const t0 = performance.now();
    for (let i = 0; i < N; i++) await fn();
    const c = process.cpuUsage(c0); const t = performance.now() - t0;
    console.log(name, 'cpu µs/req', ((c.user + c.system) / N).toFixed(0), 'wall µs/req', (t * 1000 / N).toFixed(0));
  };
  await phase('receive-empty', () => sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] })));
  const entries = Array.from({ length: 5 }, (_, i) => ({ Id: String(i), MessageBody: body, MessageAttributes: { 'event-type': { DataType: 'String', StringValue: 'a.b.v1' } } }));
  await phase('send-batch5', () => sqs.send(new SendMessageBatchCommand({ QueueUrl, Entries: entries })));
  let received = 0;
  await phase('receive5+delete', async () => {
    const out = await sqs.send(new ReceiveMessageCommand({ QueueUrl, MaxNumberOfMessages: 5, WaitTimeSeconds: 0, MessageAttributeNames: ['All'], MessageSystemAttributeNames: ['ApproximateReceiveCount'] }));
    const m = out.Messages ?? []; received += m.length;
    if (m.length) await sqs.send(new DeleteMessageBatchCommand({ QueueUrl, Entries: m.map((x, i) => ({ Id: String(i), ReceiptHandle: x.ReceiptHandle! })) }));
  });
  console.log('received', received);
  sqs.destroy(); await broker.stop?.();
  process.exit(0);
}
main();
