export { DeadLetterError, DeadLetterErrorCode } from './dead-letter.error';
export {
  type DeadLetterAccessAudit,
  type DeadLetterDetail,
  type DeadLetterListing,
  DeadLetterQueues,
  type DeadLetterQueuesOptions,
  type DeadLetterSummary,
  isUnsupported,
  MAX_RECEIVES_REASON,
  type PurgeReport,
  type RedriveReport,
  type RedriveResult,
} from './dead-letter-queues';
