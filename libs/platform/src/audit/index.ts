export * from './audit-hash';
export * from './audit-chain';
export * from './audit-trail';
export * from './audit.interceptor';
export * from './audit.controller';
export * from './audit.dto';
export * from './audit-entries.migration';
