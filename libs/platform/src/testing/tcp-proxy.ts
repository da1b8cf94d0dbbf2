import { createServer, Socket, type AddressInfo, type Server } from 'node:net';

/** One client's connection through the proxy: its socket and the proxy's to the target. */
interface Link {
  readonly client: Socket;
  readonly upstream: Socket;
}

/**
 * A loopback TCP proxy a test can cut and restore, to take a broker "down" for one client
 * while it keeps its state (fauxqs keeps its queues in memory only), or make go silent.
 */
export class TcpProxy {
  private server?: Server;
  private readonly links = new Set<Link>();
  private readonly stalled = new WeakSet<Link>();
  port = 0;

  constructor(private readonly target: { host: string; port: number }) {}

  /** Listens (on the same port again after a `cut`). */
  async open(): Promise<this> {
    const server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      const link = { client, upstream };
      this.links.add(link);
      for (const s of [client, upstream]) {
        s.on('close', () => this.links.delete(link));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ port: this.port, host: '127.0.0.1' }, () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Refuses new connections and drops open ones: the broker is "down". */
  async cut(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  }

  /**
   * Goes silent on the connections open now: they stay open, but nothing more passes either
   * way, and the proxy's kernel still acknowledges every packet (TCP keepalive probes included):
   * a broker process frozen with its sockets open, or a proxy or load balancer whose backend
   * hangs. Connections made afterwards pass. Returns how many went silent by this call; `cut`
   * closes them.
   */
  stall(): number {
    let silenced = 0;
    for (const link of this.links) {
      if (this.stalled.has(link)) continue;
      this.stalled.add(link);
      link.client.unpipe(link.upstream);
      link.upstream.unpipe(link.client);
      link.client.pause();
      link.upstream.pause();
      silenced++;
    }
    return silenced;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}
