export {
  CONSUMER_KEY_ACTIONS,
  KEY_ADMIN_ACTIONS,
  PUBLISHER_KEY_ACTIONS,
  SID,
  SNS_KEY_ACTIONS,
  SNS_SERVICE_PRINCIPAL,
  TOPIC_OWNER_ACTIONS,
  accountRootArn,
  buildKeyPolicy,
  buildQueuePolicy,
  buildTopicPolicy,
  canonicalJson,
  parseArn,
  resolvePrincipals,
  sameJson,
  type KeyPrincipals,
  type KeyUsage,
  type ParsedArn,
  type PolicyDocument,
  type PolicyStatement,
  type ResolvedPrincipals,
} from '../plan/policies';
export { keyUsage, plan, type MessagingPlan } from '../plan/plan';
export {
  provisionTopology,
  type ProvisionOptions,
  type ProvisionOutcome,
  type ProvisionReport,
  type ProvisionRow,
  type QueueEndpoints,
  type ResourceKind,
} from './provision';
export { renderProvisionReport, renderProvisionRow } from './report';
export { isAwsError, isNotAwsApiAnswer, wrapAwsError } from '../plan/aws-errors';
