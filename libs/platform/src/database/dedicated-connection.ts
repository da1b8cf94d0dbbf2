import { Logger } from '@nestjs/common';
import { Client, type ClientConfig } from 'pg';
import type { DataSource } from 'typeorm';
import { safeErrorFields } from '../http/clinic-exceptions.filter';
import { settledOrLater } from '../settled-or-later';
import { destroyConnection, pgPoolOf } from './pg-client';

/** How long close() lets the server acknowledge the end of the connection before cutting it, ms. */
const END_GRACE_MS = 1_000;

/**
 * One PostgreSQL connection of its own beside a data source's pool, for work that must not
 * wait in the pool's queue behind the requests it serves (the audit trail's group commit: a
 * request's answer waits for its entry, and a saturated pool would fail both). It has the pool's
 * login and settings, deadlines included (the pool's client class), and shows as
 * `<name>` in `pg_stat_activity.application_name`.
 *
 * It is opened at the first use, so an app that never needs it holds none. Work runs on it one
 * piece at a time, in order. A piece that fails closes it (its transaction's state is unknown;
 * the server rolls back what it held) and the next piece opens a new one; a connection lost
 * while idle is noticed and replaced the same way. {@link close} ends it once the work under way
 * is done (at most 1 s more for a server that does not acknowledge it), so that the process can
 * exit.
 */
export class DedicatedConnection {
  private readonly logger = new Logger('Database');
  private client?: Client;
  private tail: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly name: string,
  ) {}

  /** Runs `work` on the connection once the work before it is done; rejects after {@link close}. */
  use<T>(work: (client: Client) => Promise<T>): Promise<T> {
    if (this.closed) return Promise.reject(new Error(`The ${this.name} connection is closed`));
    const run = this.tail.then(async () => {
      const client = this.client ?? (await this.open());
      try {
        return await work(client);
      } catch (error) {
        this.discard(client);
        throw error;
      }
    });
    this.tail = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Ends the connection after the work already asked for; later {@link use}s reject. */
  async close(): Promise<void> {
    this.closed = true;
    await this.tail;
    const client = this.client;
    this.client = undefined;
    if (client) await endConnection(client);
  }

  private async open(): Promise<Client> {
    const { Client: ClientClass = Client, ...settings } = pgPoolOf(this.dataSource)
      .options as ClientConfig & {
      Client?: typeof Client;
    };
    const client = new ClientClass({ ...settings, application_name: this.name });
    // Kept for the connection's life: an error on an idle client with no listener would end the process.
    client.on('error', (error) => {
      this.logger.warn({
        msg: 'dedicated connection lost; a new one opens at the next use',
        connection: this.name,
        ...safeErrorFields(error),
      });
      this.discard(client);
    });
    client.on('end', () => {
      if (this.client === client) this.client = undefined;
    });
    try {
      await client.connect();
    } catch (error) {
      await endConnection(client);
      throw error;
    }
    this.client = client;
    return client;
  }

  private discard(client: Client): void {
    if (this.client === client) this.client = undefined;
    void endConnection(client);
  }
}

/**
 * Ends a connection, or cuts it when the server does not acknowledge the end within
 * {@link END_GRACE_MS} (a frozen server never does), so that no socket is left open.
 */
async function endConnection(client: Client): Promise<void> {
  await settledOrLater(
    client.end().catch(() => undefined),
    END_GRACE_MS,
  );
  destroyConnection(client);
}
