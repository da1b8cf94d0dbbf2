export { auditEntryHash, type AuditRow, auditTimeOf, canonicalAuditEntry, GENESIS_HASH } from './audit-hash';
export {
  AUDIT_SELECT,
  type AuditChainBreak,
  AuditChainChecker,
  type AuditChainReport,
  type AuditFilter,
  type AuditQueryable,
  auditRowOf,
  listAuditEntries,
  verifyAuditChain,
} from './audit-chain';
export {
  AUDIT_BATCH_MAX,
  AUDIT_CHAIN_LOCK,
  type AuditEntryInput,
  AuditTrail,
  AuditUnavailableError,
  routeTemplateOf,
} from './audit-trail';
export { AuditInterceptor } from './audit.interceptor';
export { AuditController } from './audit.controller';
export {
  AUDIT_ORDERS,
  AUDIT_PAGE_DEFAULT,
  AUDIT_PAGE_MAX,
  AuditChainBreakView,
  AuditEntryView,
  type AuditOrder,
  AuditPageView,
  AuditQueryDto,
  AuditVerificationView,
} from './audit.dto';
export { AuditEntries1796000000000 } from './audit-entries.migration';
