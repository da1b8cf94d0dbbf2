export * from './access.decorators';
export * from './request-context';
export * from './access.guard';
export * from './access-rules.check';
export * from './access.module';
export * from './rate-limit.guard';
