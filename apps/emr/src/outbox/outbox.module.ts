import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { LegacyOutboxSealer } from './legacy-outbox.sealer';
import { OutboxSealFilter } from './outbox-seal.filter';
import { OutboxWriter } from './outbox.writer';
import { OutboxRelay } from './outbox.relay';

/** The transactional outbox: sealed rows written in the record's transaction, and their relay. */
@Module({
  providers: [
    OutboxRelay,
    OutboxWriter,
    LegacyOutboxSealer,
    { provide: APP_FILTER, useClass: OutboxSealFilter },
  ],
  exports: [OutboxRelay, OutboxWriter],
})
export class OutboxModule {}
