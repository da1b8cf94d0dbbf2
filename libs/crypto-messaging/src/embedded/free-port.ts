import { createServer } from 'node:net';

/**
 * A port the OS says is free on 127.0.0.1 right now. Another process may take it before the
 * caller binds it: callers that can, bind port 0 instead; the others retry on EADDRINUSE.
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
