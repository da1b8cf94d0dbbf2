import { Inject, Injectable } from '@nestjs/common';
import { MessagingRuntime, runDoctor, type DoctorReport } from '@app/crypto-messaging';
import { WEB_CONFIG } from '../../web.tokens';
import type { WebConfig } from '../../web.config';

/** Where the doctor looked, for the page's heading. */
export interface DoctorRun {
  readonly report: DoctorReport;
  readonly profile: 'embedded' | 'aws';
  readonly prefix: string;
  /** The endpoint checked (`undefined`: AWS itself, in `region`). */
  readonly endpoint: string | undefined;
  readonly region: string;
}

/**
 * Runs the library's doctor (the same `runDoctor` as `npm run clinic -- doctor`) against the
 * messaging configuration of this process's environment. Read-only; a fresh set of clients per
 * run, closed after it.
 */
@Injectable()
export class DoctorRunner {
  constructor(@Inject(WEB_CONFIG) private readonly config: WebConfig) {}

  async run(): Promise<DoctorRun> {
    const messaging = this.config.messaging;
    const runtime = MessagingRuntime.create(messaging, 'web');
    try {
      const report = await runDoctor({
        topology: runtime.topology,
        clients: runtime.clients,
        profile: messaging.profile,
        endpoint: runtime.endpoint,
        principals: messaging.principals,
      });
      return {
        report,
        profile: messaging.profile,
        prefix: messaging.prefix,
        endpoint: runtime.endpoint,
        region: messaging.region,
      };
    } finally {
      runtime.close();
    }
  }
}
