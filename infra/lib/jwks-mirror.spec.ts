import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { JWKS_MIRROR_HANDLER } from './jwks-mirror';

/**
 * The mirror function's own text, run here against a local issuer and a local CloudFormation
 * response URL; S3 is the only stand-in (a recorder of PutObject calls).
 */
type Put = { Bucket: string; Key: string; Body: string; ContentType: string };
type Answer = { Status: string; Reason: string; PhysicalResourceId: string; RequestId: string };

const PUBLIC_JWKS = JSON.stringify({
  keys: [{ kid: 'k1', kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB', n: 'sXch' }],
});

let server: http.Server;
let base: string;
let issuerAnswer: { status: number; body: string };
let issuerHits: number;
let answers: Answer[];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/pool/.well-known/jwks.json') {
      issuerHits += 1;
      res.writeHead(issuerAnswer.status, { 'content-type': 'application/json' }).end(issuerAnswer.body);
      return;
    }
    if (req.method === 'PUT' && req.url === '/cfn-response') {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        answers.push(JSON.parse(body) as Answer);
        res.writeHead(200).end();
      });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  issuerAnswer = { status: 200, body: PUBLIC_JWKS };
  issuerHits = 0;
  answers = [];
});

/** Loads the handler text as Lambda would, with S3 recorded. */
function loadHandler(): { handler: (event: object) => Promise<void>; puts: Put[] } {
  const puts: Put[] = [];
  class PutObjectCommand {
    constructor(readonly input: Put) {}
  }
  class S3Client {
    send(command: PutObjectCommand) {
      puts.push(command.input);
      return Promise.resolve({});
    }
  }
  const fakeRequire = (name: string) => {
    if (name !== '@aws-sdk/client-s3') throw new Error(`unexpected require ${name}`);
    return { S3Client, PutObjectCommand };
  };
  const exports: { handler?: (event: object) => Promise<void> } = {};
  const quiet = { log: () => undefined, error: () => undefined };
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- the function's deployed text, run as Lambda runs it
  const load = new Function('require', 'exports', 'console', JWKS_MIRROR_HANDLER) as (
    require: typeof fakeRequire,
    exports: object,
    console: typeof quiet,
  ) => void;
  load(fakeRequire, exports, quiet);
  return { handler: exports.handler!, puts };
}

const event = (requestType: 'Create' | 'Update' | 'Delete') => ({
  RequestType: requestType,
  ResponseURL: `${base}/cfn-response`,
  StackId: 'stack',
  RequestId: `req-${requestType}`,
  LogicalResourceId: 'JwksMirrorCopy',
  ...(requestType === 'Create' ? {} : { PhysicalResourceId: 'bucket/jwks.json' }),
  ResourceProperties: { JwksUrl: `${base}/pool/.well-known/jwks.json`, Bucket: 'bucket', Key: 'jwks.json' },
});

describe('JWKS mirror function', () => {
  it.each(['Create', 'Update'] as const)(
    '%s: copies the key set unchanged and answers SUCCESS',
    async (type) => {
      const { handler, puts } = loadHandler();
      await handler(event(type));
      expect(puts).toEqual([
        expect.objectContaining({
          Bucket: 'bucket',
          Key: 'jwks.json',
          Body: PUBLIC_JWKS,
          ContentType: 'application/json',
        }),
      ]);
      expect(answers).toEqual([
        expect.objectContaining({
          Status: 'SUCCESS',
          PhysicalResourceId: 'bucket/jwks.json',
          RequestId: `req-${type}`,
        }),
      ]);
    },
  );

  it('fails the deployment, naming the status, when the issuer does not answer with keys', async () => {
    issuerAnswer = { status: 503, body: 'unavailable' };
    const { handler, puts } = loadHandler();
    await handler(event('Create'));
    expect(puts).toEqual([]);
    expect(answers).toHaveLength(1);
    expect(answers[0].Status).toBe('FAILED');
    expect(answers[0].Reason).toContain('503');
  });

  it.each([
    ['an empty key set', JSON.stringify({ keys: [] })],
    ['a private key', JSON.stringify({ keys: [{ kid: 'k', kty: 'RSA', n: 'x', e: 'AQAB', d: 'secret' }] })],
    ['not JSON', '<html>'],
  ])('refuses %s: nothing is stored', async (_what, body) => {
    issuerAnswer = { status: 200, body };
    const { handler, puts } = loadHandler();
    await handler(event('Update'));
    expect(puts).toEqual([]);
    expect(answers.map((a) => a.Status)).toEqual(['FAILED']);
  });

  it('Delete: answers SUCCESS without fetching or writing (the bucket is retained)', async () => {
    const { handler, puts } = loadHandler();
    await handler(event('Delete'));
    expect(issuerHits).toBe(0);
    expect(puts).toEqual([]);
    expect(answers.map((a) => a.Status)).toEqual(['SUCCESS']);
  });
});
