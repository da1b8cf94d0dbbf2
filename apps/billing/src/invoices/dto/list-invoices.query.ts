import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

/** Most invoices one `GET /invoices` returns. */
export const INVOICE_LIST_MAX = 200;
/** Invoices `GET /invoices` returns when `limit` is not given. */
export const INVOICE_LIST_DEFAULT = 50;

/** Query of `GET /invoices`. Messages name the field, never the value sent. */
export class ListInvoicesQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: INVOICE_LIST_MAX, default: INVOICE_LIST_DEFAULT })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'limit must be a whole number' })
  @Min(1, { message: `limit must be between 1 and ${INVOICE_LIST_MAX}` })
  @Max(INVOICE_LIST_MAX, { message: `limit must be between 1 and ${INVOICE_LIST_MAX}` })
  limit?: number;
}
