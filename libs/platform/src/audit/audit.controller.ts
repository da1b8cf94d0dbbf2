import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Allow, Audited } from '../auth/access.decorators';
import { listAuditEntries } from './audit-chain';
import { AUDIT_PAGE_DEFAULT, AuditEntryView, AuditPageView, AuditQueryDto } from './audit.dto';

/** The app's audit trail, for privacy officers only. Reading it is itself an audited access. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  @Allow('privacy-officer')
  @Audited({ resource: 'audit-trail', action: 'list', patient: 'query.patientId' })
  @ApiOperation({ summary: "This app's audit entries by patient, person or time range, oldest first" })
  @ApiOkResponse({ type: AuditPageView })
  async list(@Query() query: AuditQueryDto): Promise<AuditPageView> {
    const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
    const rows = await listAuditEntries(this.dataSource, {
      patientId: query.patientId?.toLowerCase(),
      subject: query.subject,
      from: query.from === undefined ? undefined : new Date(query.from),
      to: query.to === undefined ? undefined : new Date(query.to),
      after: query.after,
      limit,
    });
    return {
      entries: rows.map((row) => AuditEntryView.of(row)),
      nextAfter: rows.length === limit ? rows[rows.length - 1].seq : null,
    };
  }
}
