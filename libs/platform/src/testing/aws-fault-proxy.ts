import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy does to KMS calls (`X-Amz-Target: TrentService.*`); SNS and SQS always pass. */
export type KmsMode = 'up' | 'down' | 'enforce-key-state';

/** KMS operations that use a key's material: real KMS refuses them when the key is not enabled. */
const KEY_USE = new Set([
  'GenerateDataKey',
  'GenerateDataKeyWithoutPlaintext',
  'Decrypt',
  'Encrypt',
  'ReEncrypt',
]);

/**
 * An HTTP proxy in front of an AWS-API endpoint (moto) that can take KMS alone away, and can
 * enforce key state the way real KMS does. The apps point `AWS_ENDPOINT_URL` at it.
 *
 * - `down`: every KMS connection is dropped (what a KMS outage or a lost VPC endpoint looks
 *   like to the SDK: a reset socket), SNS and SQS keep working.
 * - `enforce-key-state`: moto 5.2.1 serves GenerateDataKey and Decrypt with a disabled key; real
 *   KMS answers `DisabledException` (HTTP 400). Before forwarding a key-use call, the proxy asks
 *   moto's own DescribeKey and, for a disabled key, answers exactly that. A shim standing in for
 *   an emulator gap, not a feature: the doctor and the apps see what AWS would send.
 *
 * Uses the `AWS_ENDPOINT_URL` setting, since the library passes one endpoint to every client
 * (a per-service `AWS_ENDPOINT_URL_KMS` would not apply).
 */
export class AwsFaultProxy {
  private server?: Server;
  kms: KmsMode = 'up';
  /** KMS calls dropped or refused, by operation: the tests check the fault was really hit. */
  readonly refused = new Map<string, number>();
  port = 0;

  constructor(private readonly target: string) {}

  async open(): Promise<this> {
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: 0, host: '127.0.0.1' }, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    server?.closeAllConnections();
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  private count(operation: string): void {
    this.refused.set(operation, (this.refused.get(operation) ?? 0) + 1);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    const operation = target.startsWith('TrentService.') ? target.slice('TrentService.'.length) : undefined;
    if (operation && this.kms === 'down') {
      this.count(operation);
      req.socket.destroy();
      return;
    }
    if (operation && this.kms === 'enforce-key-state' && KEY_USE.has(operation)) {
      const keyId = (JSON.parse(body.toString('utf8') || '{}') as { KeyId?: string }).KeyId;
      const state = keyId ? await this.keyState(req, keyId) : undefined;
      if (state === 'Disabled') {
        this.count(operation);
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'DisabledException', message: `${keyId} is disabled.` }));
        return;
      }
    }
    this.forward(req, body, res);
  }

  /** The key's state as moto reports it (DescribeKey), with the caller's own headers. */
  private async keyState(req: IncomingMessage, keyId: string): Promise<string | undefined> {
    const response = await fetch(this.target, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'TrentService.DescribeKey',
        authorization: String(req.headers.authorization ?? ''),
      },
      body: JSON.stringify({ KeyId: keyId }),
    });
    if (!response.ok) return undefined;
    return ((await response.json()) as { KeyMetadata?: { KeyState?: string } }).KeyMetadata?.KeyState;
  }

  private forward(req: IncomingMessage, body: Buffer, res: ServerResponse): void {
    const target = new URL(this.target);
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    upstream.end(body);
  }
}
