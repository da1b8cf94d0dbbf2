import { Controller, Get, HttpException, HttpStatus } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CLINIC_DOCTOR_HINTS, describeClinicError } from '@app/clinic';
import { MessagingError, MessagingRuntime, runDoctor, type DoctorReport } from '@app/crypto-messaging';
import { Allow } from '../auth/access.decorators';

/** What `GET /doctor` answers: the findings, and where they were read. */
export interface DoctorAnswer extends DoctorReport {
  readonly profile: 'embedded' | 'aws';
  /** The topology's name prefix (`clinic`). */
  readonly prefix: string;
  /** The endpoint the checks read; null for AWS itself (in `region`). */
  readonly endpoint: string | null;
  readonly region: string;
  readonly checkedAt: string;
}

/**
 * `GET /doctor`: the doctor's findings for the topology this app runs on, read live with this
 * app's clients (read-only; names, ARNs, key states and policies, never a message). The screen's
 * doctor page reads it, as `npm run clinic -- doctor` prints it.
 */
@ApiTags('health')
@Allow('administrator')
@Controller('doctor')
export class DoctorController {
  constructor(private readonly runtime: MessagingRuntime) {}

  @Get()
  @ApiOperation({ summary: "The doctor's findings for the live topology (administrator)" })
  async doctor(): Promise<DoctorAnswer> {
    const { options } = this.runtime;
    try {
      const report = await runDoctor({
        topology: options.topology,
        clients: this.runtime.clients,
        profile: options.profile,
        endpoint: this.runtime.endpoint,
        principals: options.principals,
        hints: CLINIC_DOCTOR_HINTS,
      });
      return {
        ...report,
        profile: options.profile,
        prefix: options.topology.prefix,
        endpoint: this.runtime.endpoint ?? null,
        region: options.region,
        checkedAt: new Date().toISOString(),
      };
    } catch (error) {
      if (error instanceof MessagingError) {
        // The broker or AWS did not answer: say so, as the CLI would, with a retry hint.
        throw new HttpException(
          { statusCode: 503, code: error.code, message: describeClinicError(error, options.profile) },
          HttpStatus.SERVICE_UNAVAILABLE,
        );
      }
      throw error;
    }
  }
}
