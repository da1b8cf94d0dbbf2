import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Allow, Audited } from '../auth/access.decorators';
import { APP_CONFIG } from '../platform.tokens';
import type { AppConfig } from '../config/app.config';
import { listAuditEntries, verifyAuditChain } from './audit-chain';
import {
  AUDIT_PAGE_DEFAULT,
  AuditEntryView,
  AuditPageView,
  AuditQueryDto,
  AuditVerificationView,
} from './audit.dto';

/** The app's audit trail, for privacy officers only. Reading it is itself an audited access. */
@ApiTags('audit')
@Controller('audit')
export class AuditController {
  constructor(
    private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  @Get()
  @Allow('privacy-officer')
  @Audited({ resource: 'audit-trail', action: 'list', patient: 'query.patientId' })
  @ApiOperation({
    summary: "This app's audit entries by patient, person or time range, oldest first (or newest first)",
  })
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
      order: query.order,
    });
    return {
      entries: rows.map((row) => AuditEntryView.of(row)),
      nextAfter: rows.length === limit ? rows[rows.length - 1].seq : null,
    };
  }

  /**
   * The chain re-computed from the app's database, for the privacy officer's screen: the same
   * check as `npm run clinic -- audit verify`. Audited with the last seq checked as its id, so the
   * trail says which state of the chain was vouched for.
   */
  @Get('verification')
  @Allow('privacy-officer')
  @Audited({ resource: 'audit-trail', action: 'read', id: 'result.lastSeq' })
  @ApiOperation({ summary: "Whether this app's audit chain verifies, and where it first breaks" })
  @ApiOkResponse({ type: AuditVerificationView })
  async verification(): Promise<AuditVerificationView> {
    const report = await verifyAuditChain(this.dataSource);
    // A verified chain runs 1..entries without a gap, so its last seq is the count.
    const lastSeq = report.firstBroken?.seq ?? (report.entries > 0 ? String(report.entries) : null);
    return {
      app: this.config.app,
      entries: report.entries,
      verified: report.ok,
      lastSeq,
      ...(report.firstBroken ? { firstBroken: { ...report.firstBroken } } : {}),
      checkedAt: new Date().toISOString(),
    };
  }
}
