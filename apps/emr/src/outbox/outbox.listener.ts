import { Logger } from '@nestjs/common';
import { Client, type Notification } from 'pg';
import type { DataSource } from 'typeorm';
import { pgPoolOf } from '@app/platform';

/** The channel the outbox table's trigger notifies on commit (migration OutboxNotify). */
export const OUTBOX_CHANNEL = 'outbox_events';
/** Wait before listening again after the connection was lost, ms (doubling up to the cap). */
const RECONNECT_BASE_MS = 250;
const RECONNECT_CAP_MS = 5_000;

/** What the listener tells the relay. */
export interface OutboxWakeups {
  /** Rows were committed; `legacy` when some were written unsealed (a previous release). */
  wake(legacy: boolean): void;
  /** Listening (again): notifications sent while it was not may have been missed. */
  listening(): void;
}

/**
 * `LISTEN outbox_events` on a connection of its own (a pooled one would be handed to others),
 * with the app's database settings. Every EMR instance listens; PostgreSQL tells each of them
 * about every commit, and `FOR UPDATE SKIP LOCKED` shares the rows out. A lost connection is
 * opened again with backoff; meanwhile the relay's poll is the safety net.
 */
export class OutboxListener {
  private readonly logger = new Logger('OutboxRelay');
  private client?: Client;
  private retry?: NodeJS.Timeout;
  private failures = 0;
  private stopped = false;
  /** True while LISTEN is in effect. */
  connected = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly wakeups: OutboxWakeups,
  ) {}

  start(): void {
    void this.listen();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    this.connected = false;
    await client?.end().catch(() => undefined);
  }

  private async listen(): Promise<void> {
    if (this.stopped) return;
    // The pool's own settings (URL, login, timeouts), for a client outside the pool.
    const client = new Client(pgPoolOf(this.dataSource).options);
    this.client = client;
    client.on('notification', (message: Notification) => {
      if (message.channel === OUTBOX_CHANNEL) this.wakeups.wake(message.payload === 'legacy');
    });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.client !== client) {
      // Stopped (or replaced) while connecting: an end() sent mid-handshake may not close it.
      await client.end().catch(() => undefined);
      return;
    }
    this.connected = true;
    if (this.failures > 0) this.logger.log({ msg: 'listening for outbox commits again' });
    this.failures = 0;
    this.wakeups.listening();
  }

  private lost(client: Client, error?: unknown): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.connected = false;
    client.end().catch(() => undefined);
    if (this.stopped) return;
    this.failures++;
    if (this.failures === 1) {
      this.logger.warn({
        msg: 'not listening for outbox commits; polling until the connection is back',
        error: error instanceof Error ? ((error as { code?: string }).code ?? error.name) : undefined,
      });
    }
    const delay = Math.min(RECONNECT_CAP_MS, RECONNECT_BASE_MS * 2 ** Math.min(this.failures - 1, 10));
    this.retry = setTimeout(() => void this.listen(), delay);
    this.retry.unref();
  }
}
