export * from './policies';
export * from './provision';
export { renderProvisionReport, renderProvisionRow } from './report';
export { isAwsError, isNotAwsApiAnswer, wrapAwsError } from './lookups';
