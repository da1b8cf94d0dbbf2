/**
 * A port held by another program (a web server, macOS's AirPlay receiver on 5000) answers, but
 * not in the AWS API. Provisioning and the doctor say so, and how to fix it, instead of passing
 * on the SDK's "XML parse error" with a hint about credentials.
 */
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAwsClients, type AwsClients } from '../config/aws-clients';
import { runDoctor } from '../doctor/doctor';
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';
import { provisionTopology } from './provision';
import { orderEventsTopology } from '../testing';

const ANSWERS: Record<string, (res: ServerResponse) => void> = {
  'a web page': (res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><body><p>Directory listing</body></html>');
  },
  'a well-formed page': (res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!DOCTYPE html><html><body>Directory listing</body></html>');
  },
  'plain text': (res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('hello');
  },
  'an empty 403 (AirPlay receiver)': (res) => {
    res.writeHead(403, { server: 'AirTunes/800.0' });
    res.end();
  },
  'a 404 page': (res) => {
    res.writeHead(404, { 'content-type': 'text/html' });
    res.end('<html><body>Not Found</body></html>');
  },
};

describe.each(Object.keys(ANSWERS))('an endpoint that answers with %s', (answer) => {
  let server: Server;
  let endpoint: string;
  let clients: AwsClients;
  const topology = orderEventsTopology('busy');

  beforeAll(async () => {
    server = createServer((_req, res) => ANSWERS[answer](res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    clients = createAwsClients({
      region: 'us-east-1',
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  });
  afterAll(async () => {
    clients.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  const expectExplained = async (run: Promise<unknown>) => {
    const error = await run.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(MessagingError);
    const { message, code } = error as MessagingError;
    expect(code).toBe(MessagingErrorCode.Config);
    expect(message).toContain(`the endpoint at ${endpoint} answered`);
    expect(message).toContain('but it does not speak the AWS API');
    expect(message).toContain('Another program holds that port');
    expect(message).toContain(`lsof -i :${new URL(endpoint).port}`);
    expect(message).not.toMatch(/credentials|XML parse error|Deserialization/i);
  };

  it('provisioning says another program holds the port, and how to fix it', async () => {
    await expectExplained(provisionTopology({ topology, clients, profile: 'aws', endpoint }));
  });

  it('the doctor says the same', async () => {
    await expectExplained(runDoctor({ topology, clients, profile: 'aws', endpoint }));
  });
});
