export {
  awsCliCommand,
  type CheckStatus,
  type DoctorCheck,
  type DoctorHints,
  type DoctorOptions,
  type DoctorReport,
  runDoctor,
} from './doctor';
export { DOCTOR_LINE_WIDTH, renderDoctorReport, type DoctorRenderOptions } from './render';
export {
  deniesInsecureTransport,
  filterPolicyAttributeNames,
  grantFor,
  type GrantStatus,
  isLoopbackEndpoint,
  openAllowStatements,
  parsePolicy,
  type Principal,
  serviceGrant,
  type ServiceGrantStatus,
  snsKeyGrant,
  snsQueueGrant,
  wildcardMatch,
} from './policy-analysis';
