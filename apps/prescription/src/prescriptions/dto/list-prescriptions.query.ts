import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import type { PrescriptionStatus } from '../prescription.entity';

/** Every status a prescription can have. */
export const PRESCRIPTION_STATUSES: readonly PrescriptionStatus[] = ['sent', 'rejected'];
/** Most prescriptions one `GET /prescriptions` returns. */
export const PRESCRIPTION_LIST_MAX = 200;
/** Prescriptions `GET /prescriptions` returns when `limit` is not given. */
export const PRESCRIPTION_LIST_DEFAULT = 50;

/** Query of `GET /prescriptions`. Messages name the field, never the value sent. */
export class ListPrescriptionsQuery {
  @ApiPropertyOptional({ enum: PRESCRIPTION_STATUSES, description: 'Only these; both when absent' })
  @IsOptional()
  @IsIn(PRESCRIPTION_STATUSES, { message: `status must be one of: ${PRESCRIPTION_STATUSES.join(', ')}` })
  status?: PrescriptionStatus;

  @ApiPropertyOptional({ minimum: 1, maximum: PRESCRIPTION_LIST_MAX, default: PRESCRIPTION_LIST_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: `limit must be between 1 and ${PRESCRIPTION_LIST_MAX}` })
  @Max(PRESCRIPTION_LIST_MAX, { message: `limit must be between 1 and ${PRESCRIPTION_LIST_MAX}` })
  limit?: number;
}
