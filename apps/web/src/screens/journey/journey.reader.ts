import { Inject, Injectable } from '@nestjs/common';
import type { ConsumerJourney } from '@app/platform';
import { ClinicApi } from '../../api/clinic-api';
import { ScreenForbidden, ServiceUnavailable } from '../../session/screen-errors';
import type { WebSession } from '../../session/web-sessions';
import { WEB_CONFIG } from '../../web.tokens';
import type { WebConfig } from '../../web.config';
import { CONSUMERS, journeyModel, type Consumer, type EmrJourney, type JourneyModel } from './journey.model';
import { clinicTopology } from '@app/clinic';

/** There is no record with this id (the EMR answered 404). */
export class NoSuchRecord extends Error {
  override readonly name = 'NoSuchRecord';
}

/**
 * Reads one record's journey from the apps as the signed-in person: the EMR's side first (it
 * knows the event id), then the three consumers at once. A consumer that does not answer (down,
 * or the rate limit) is drawn as "not answering" instead of failing the whole view.
 */
@Injectable()
export class JourneyReader {
  private readonly names: Parameters<typeof journeyModel>[2];

  constructor(
    private readonly api: ClinicApi,
    @Inject(WEB_CONFIG) config: WebConfig,
  ) {
    const topology = clinicTopology({
      prefix: config.messaging.prefix,
      maxReceiveCount: config.messaging.maxReceiveCount,
    });
    this.names = {
      profile: config.profile,
      topic: topology.topic.name,
      deadLetterQueueOf: (consumer) =>
        topology.queues.find((q) => q.consumer === consumer)?.deadLetterQueueName ?? `${consumer} DLQ`,
    };
  }

  async read(session: WebSession, recordId: string): Promise<JourneyModel> {
    const emr = await this.api.get<EmrJourney>(session, 'emr', `/records/${recordId}/journey`);
    if (emr.status === 404) throw new NoSuchRecord();
    if (emr.status === 429) throw new ServiceUnavailable('emr', '3');
    if (emr.status !== 200) throw new ScreenForbidden('The EMR did not answer this journey.');
    const answers = await Promise.all(
      CONSUMERS.map(
        async (consumer) => [consumer, await this.consumer(session, consumer, emr.body.eventId)] as const,
      ),
    );
    const consumers: Partial<Record<Consumer, ConsumerJourney>> = {};
    for (const [consumer, answer] of answers) if (answer) consumers[consumer] = answer;
    return journeyModel(emr.body, consumers, this.names);
  }

  private async consumer(
    session: WebSession,
    consumer: Consumer,
    eventId: string,
  ): Promise<ConsumerJourney | undefined> {
    try {
      const answer = await this.api.get<ConsumerJourney>(session, consumer, `/journey/${eventId}`);
      return answer.status === 200 ? answer.body : undefined;
    } catch (error) {
      if (error instanceof ServiceUnavailable) return undefined;
      throw error;
    }
  }
}
