export * from './clinic-exceptions.filter';
export * from './database-unavailable';
export * from './json-body';
export * from './validators';
export * from './uuid-param';
export * from './edge';
