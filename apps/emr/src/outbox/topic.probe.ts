import { Injectable } from '@nestjs/common';
import { MessagingRuntime } from '@app/crypto-messaging';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { MessagingProbe, PoolProgress, withTimeout } from '@app/platform';
import { OutboxRelay } from './outbox.relay';

const BACKLOG_TIMEOUT_MS = 1_000;

/**
 * The EMR's messaging is up when the topic resolves and the relay's last publish succeeded
 * (and no other failure than the database's stopped its last pass).
 * It uses no extra permission: the EMR's role may publish, not inspect the topic.
 */
@Injectable()
export class TopicProbe extends MessagingProbe {
  constructor(
    private readonly runtime: MessagingRuntime,
    private readonly relay: OutboxRelay,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super();
  }

  async check(): Promise<{ status: 'up' | 'down'; detail?: string }> {
    // A count for the reader, not a verdict: not asked while requests wait for a connection
    // (it would add to them), and not waited on for long.
    const backlog = PoolProgress.of(this.dataSource)?.saturated
      ? undefined
      : await withTimeout(this.relay.backlog(), BACKLOG_TIMEOUT_MS).catch(() => undefined);
    const pending = backlog === undefined ? '' : `, ${backlog} event(s) waiting in the outbox`;
    if (this.relay.status && !this.relay.status.ok) {
      const what = this.relay.status.pass ? 'last relay pass failed' : 'last publish failed';
      return { status: 'down', detail: `${what}: ${this.relay.status.code}${pending}` };
    }
    try {
      await withTimeout(this.runtime.topicArn(), 2_000);
      return { status: 'up', detail: `${this.runtime.topology.topic.name}${pending}` };
    } catch (error) {
      return { status: 'down', detail: `${(error as Error).name}${pending}` };
    }
  }
}
