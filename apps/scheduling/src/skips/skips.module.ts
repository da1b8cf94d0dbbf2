import { Module } from '@nestjs/common';
import { SchedulingSkipRepository } from './scheduling-skip.repository';
import { SkipsController } from './skips.controller';

/** What the per-patient bounds skipped: kept by booking and reminders, read by schedulers. */
@Module({
  controllers: [SkipsController],
  providers: [SchedulingSkipRepository],
  exports: [SchedulingSkipRepository],
})
export class SkipsModule {}
