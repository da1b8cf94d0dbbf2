import { Module } from '@nestjs/common';
import { LegacyOutboxSealer } from './legacy-outbox.sealer';
import { OutboxBatchPublisher } from './outbox-batch.publisher';
import { OutboxWriter } from './outbox.writer';
import { OutboxRelay } from './outbox.relay';

/** The transactional outbox: sealed rows written in the record's transaction, and their relay. */
@Module({
  providers: [OutboxRelay, OutboxBatchPublisher, OutboxWriter, LegacyOutboxSealer],
  exports: [OutboxRelay, OutboxWriter],
})
export class OutboxModule {}
