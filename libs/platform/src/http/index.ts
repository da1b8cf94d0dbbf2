export { ClinicExceptionsFilter, type FailureAuditor, safeErrorFields } from './clinic-exceptions.filter';
export { DATABASE_RETRY_AFTER_S, isDatabaseUnavailable } from './database-unavailable';
export {
  assignRequestId,
  bodyErrorResponse,
  isBodyError,
  jsonDepthExceeds,
  MAX_JSON_BODY_BYTES,
  MAX_JSON_DEPTH,
  requestIdOf,
  useJsonBody,
} from './json-body';
export {
  CLOCK_SKEW_DAYS,
  type DateWindow,
  EARLIEST_CLINICAL_DATE,
  IsCalendarDate,
  IsCalendarDateTime,
  IsPlainText,
  parseCalendarDate,
  parseCalendarDateTime,
} from './validators';
export { uuidParam } from './uuid-param';
export { API_DOCS_PATH, CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS, useHttpEdge } from './edge';
