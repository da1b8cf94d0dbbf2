export * from './policies';
export * from './provision';
export { renderProvisionReport, renderProvisionRow } from './report';
export { isAwsError, wrapAwsError } from './lookups';
