import { Injectable } from '@nestjs/common';
import type { DoctorReport } from '@app/crypto-messaging';
import type { DoctorAnswer } from '@app/platform';
import { ClinicApi } from '../../api/clinic-api';
import type { WebSession } from '../../session/web-sessions';

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
 * The doctor's findings through the EMR's `GET /doctor` (administrator): the same `runDoctor`
 * as `npm run clinic -- doctor`, run by the app with its own clients. The screen talks to the
 * apps' APIs only; it holds no AWS credentials of its own.
 */
@Injectable()
export class DoctorRunner {
  constructor(private readonly api: ClinicApi) {}

  async run(session: WebSession): Promise<DoctorRun> {
    const answer = await this.api.get<DoctorAnswer>(session, 'emr', '/doctor');
    if (answer.status !== 200) throw new Error(`The EMR answered ${answer.status} to GET /doctor.`);
    const { checks, ok, profile, prefix, endpoint, region } = answer.body;
    return { report: { checks, ok }, profile, prefix, endpoint: endpoint ?? undefined, region };
  }
}
