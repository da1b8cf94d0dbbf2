import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { ListTopicsCommand } from '@aws-sdk/client-sns';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { ListQueuesCommand } from '@aws-sdk/client-sqs';
import { eventually } from '../testing/eventually';
import { AWS_SILENCE_LIMIT_MS, SQS_MAX_WAIT_TIME_S, createAwsClients, type AwsClients } from './aws-clients';

/**
 * A server that accepts connections, reads what comes and never answers (a silent broker), or,
 * given `answerAfterMs`, answers an empty SQS `ListQueues` that long after a request arrives.
 */
class SilentServer {
  private readonly server: Server = createServer((socket) => this.accept(socket));

  constructor(private readonly answerAfterMs?: number) {}

  /** When each connection opened and, once the client gave it up, closed. */
  readonly connections: Array<{ openedAt: number; closedAt?: number }> = [];
  private readonly sockets = new Set<Socket>();

  private accept(socket: Socket): void {
    const connection: { openedAt: number; closedAt?: number } = { openedAt: Date.now() };
    this.connections.push(connection);
    this.sockets.add(socket);
    socket.resume();
    socket.on('error', () => undefined);
    if (this.answerAfterMs !== undefined) {
      socket.once('data', () => {
        const timer = setTimeout(() => {
          const body = '{"QueueUrls":[]}';
          socket.write(
            'HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n' +
              `content-length: ${body.length}\r\n\r\n${body}`,
          );
        }, this.answerAfterMs);
        socket.once('close', () => clearTimeout(timer));
      });
    }
    socket.on('close', () => {
      connection.closedAt = Date.now();
      this.sockets.delete(socket);
    });
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen({ port: 0, host: '127.0.0.1' }, resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

describe('the AWS clients give up on a silent connection', () => {
  const servers: SilentServer[] = [];
  const aborts: AbortController[] = [];
  afterAll(async () => {
    for (const abort of aborts) abort.abort();
    await Promise.all(servers.map((server) => server.close()));
  });

  /**
   * Sends a request to a silent server: how long the client held its first connection before
   * giving it up, and whether it then tried again on a second one.
   */
  async function silence(send: (clients: AwsClients, abortSignal: AbortSignal) => Promise<unknown>) {
    const server = new SilentServer();
    servers.push(server);
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint: await server.listen(),
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    const abort = new AbortController();
    aborts.push(abort);
    // Retried on a new connection after the first is given up; aborted at the end of the suite.
    const sent = send(clients, abort.signal).catch((error: Error) => error);
    try {
      const givenUp = () => server.connections[0]?.closedAt !== undefined;
      await eventually('the first connection given up', givenUp, Boolean, AWS_SILENCE_LIMIT_MS.sqs + 10_000);
      // The SDK retries a timeout (up to maxAttempts), on a new connection.
      await eventually('a retry on a new connection', () => server.connections.length > 1, Boolean, 5_000);
      const [first] = server.connections;
      return first.closedAt! - first.openedAt;
    } finally {
      abort.abort();
      await sent;
      clients.destroy();
    }
  }

  /** An SQS request answered after a whole long poll of silence and 5 s more: the connections used. */
  async function lateAnswer(): Promise<number> {
    const server = new SilentServer((SQS_MAX_WAIT_TIME_S + 5) * 1000);
    servers.push(server);
    const clients = createAwsClients({
      region: 'us-east-1',
      endpoint: await server.listen(),
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
    try {
      const answer = await clients.sqs.send(new ListQueuesCommand({}));
      expect(answer.QueueUrls ?? []).toEqual([]);
      return server.connections.length;
    } finally {
      clients.destroy();
    }
  }

  it(
    'SNS and KMS after 10 s, SQS after a whole long poll and 10 s more, each trying again; an SQS answer after 25 s of silence is waited for',
    async () => {
      // All at once: the test waits for the longest only.
      const [sns, kms, sqs, lateConnections] = await Promise.all([
        silence((c, abortSignal) => c.sns.send(new ListTopicsCommand({}), { abortSignal })),
        silence((c, abortSignal) => c.kms.send(new ListKeysCommand({}), { abortSignal })),
        silence((c, abortSignal) => c.sqs.send(new ListQueuesCommand({}), { abortSignal })),
        lateAnswer(),
      ]);
      // An answer that comes after 25 s of silence is waited for, on its first connection.
      expect(lateConnections).toBe(1);
      // The SDK starts watching a socket's silence 3 s into a request (its own deferral), so a
      // connection is held for the limit and up to 3 s more (and a loaded machine's slack).
      for (const [heldMs, limitMs] of [
        [sns, AWS_SILENCE_LIMIT_MS.sns],
        [kms, AWS_SILENCE_LIMIT_MS.kms],
        [sqs, AWS_SILENCE_LIMIT_MS.sqs],
      ]) {
        expect(heldMs).toBeGreaterThanOrEqual(limitMs);
        expect(heldMs).toBeLessThan(limitMs + 8_000);
      }
      // A long poll waits up to 20 s in silence: the SQS limit outlasts it.
      expect(AWS_SILENCE_LIMIT_MS.sqs).toBeGreaterThan(SQS_MAX_WAIT_TIME_S * 1000);
    },
    AWS_SILENCE_LIMIT_MS.sqs + 30_000,
  );
});
