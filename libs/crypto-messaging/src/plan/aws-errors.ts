/**
 * How a failed AWS call is told to a person, shared by provisioning and the doctor: which
 * operation on which resource failed, and a fix in the library's own terms (never a command of
 * the application that uses it; that application maps the error code to its own command).
 */
import { MessagingError, MessagingErrorCode } from '../errors/messaging.error';

/** True when `error` is an SDK error with one of these names (the service's error code). */
export function isAwsError(error: unknown, ...names: string[]): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { Code?: unknown }).Code;
  return names.includes(error.name) || (typeof code === 'string' && names.includes(code));
}

/**
 * Wraps a failed AWS call into a {@link MessagingError} that says which resource and operation
 * failed and what to do. SDK error messages name resources, never message contents.
 */
export function wrapAwsError(
  error: unknown,
  operation: string,
  resource: string,
  endpoint?: string,
): MessagingError {
  if (error instanceof MessagingError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const detail = error instanceof Error ? error.message : String(error);
  const where = endpoint ? ` at ${endpoint}` : '';
  const unreachable =
    /ECONNREFUSED|ENOTFOUND|EHOSTUNREACH|ETIMEDOUT|socket hang up/i.test(detail) || name === 'TimeoutError';
  if (unreachable) {
    return new MessagingError(
      MessagingErrorCode.BrokerUnavailable,
      `${operation} for ${resource} failed: the endpoint${where} does not answer (${name}).`,
      { cause: error, fix: 'start the broker, or set AWS_ENDPOINT_URL / AWS_REGION to a reachable endpoint' },
    );
  }
  if (isNotAwsApiAnswer(error)) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return new MessagingError(
      MessagingErrorCode.Config,
      `${operation} for ${resource} failed: ${notAwsApiExplanation(endpoint, status)}`,
      { cause: error },
    );
  }
  const kms = operation.startsWith('kms:');
  let code = kms ? MessagingErrorCode.KmsUnavailable : MessagingErrorCode.BrokerUnavailable;
  let fix = 'check the credentials and the endpoint, then provision the topology again';
  if (/AccessDenied|NotAuthorized|UnauthorizedOperation/i.test(name)) {
    code = kms ? MessagingErrorCode.KmsAccessDenied : code;
    fix = `grant the caller ${operation} on ${resource} (IAM policy${kms ? ' and key policy' : ''})`;
  } else if (kms && name === 'DisabledException') {
    code = MessagingErrorCode.KmsKeyDisabled;
    fix = 'enable the key (aws kms enable-key) or provision the topology again';
  } else if (kms && name === 'NotFoundException') {
    code = MessagingErrorCode.KmsKeyNotFound;
  }
  return new MessagingError(code, `${operation} for ${resource} failed${where}: ${name}: ${detail}.`, {
    cause: error,
    fix,
  });
}

/**
 * True when the endpoint answered, but not as an AWS-API service does: a web page, plain text,
 * or an error status without an AWS error code or request id (macOS's AirPlay receiver answers
 * an empty 403 on port 5000). The SDK then reports "XML parse error", "is not valid JSON" or
 * "Unknown", which reads like a credentials problem and is not one.
 */
export function isNotAwsApiAnswer(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (/Deserialization error|XML parse error|is not valid JSON/i.test(error.message)) return true;
  const metadata = (error as { $metadata?: { httpStatusCode?: number; requestId?: string } }).$metadata;
  return (
    (error.message === 'Unknown' || error.message === 'UnknownError') &&
    metadata?.httpStatusCode !== undefined &&
    !metadata.requestId
  );
}

/**
 * "The endpoint at ... answered, but it does not speak the AWS API", with what to do: for an
 * answer that {@link isNotAwsApiAnswer}, or a reply without the fields every AWS answer has.
 */
export function notAwsApiExplanation(endpoint: string | undefined, status?: number): string {
  return (
    `the endpoint${endpoint ? ` at ${endpoint}` : ''} answered${status ? ` (HTTP ${status})` : ''}, but it ` +
    'does not speak the AWS API. Another program holds that port (not moto, or not the endpoint ' +
    `you meant). ${howToFreePort(endpoint)}`
  );
}

/** What to do when another program answers on the endpoint's port. */
function howToFreePort(endpoint: string | undefined): string {
  if (!endpoint) return 'Check for a proxy in between (HTTPS_PROXY), or set AWS_ENDPOINT_URL.';
  let port: string;
  try {
    const url = new URL(endpoint);
    port = url.port || (url.protocol === 'https:' ? '443' : '80');
  } catch {
    return 'Check AWS_ENDPOINT_URL.';
  }
  return (
    `See which program listens there (lsof -i :${port}, or ss -ltnp), stop it, or start moto on a ` +
    'free port (moto_server -H 127.0.0.1 -p 5001) and set AWS_ENDPOINT_URL=http://127.0.0.1:5001.'
  );
}

/** One AWS call, named for the error message should it fail. */
export type AwsCall = <T>(operation: string, resource: string, run: () => Promise<T>) => Promise<T>;

/** An {@link AwsCall} that wraps every failure with {@link wrapAwsError} for this endpoint. */
export function awsCaller(endpoint: string | undefined): AwsCall {
  return async (operation, resource, run) => {
    try {
      return await run();
    } catch (error) {
      throw wrapAwsError(error, operation, resource, endpoint);
    }
  };
}

/**
 * A field every AWS answer carries; without it the endpoint is not an AWS API (a web server on
 * the port answers a well-formed page, which parses to an empty result).
 */
export function requireValue<T>(value: T | undefined, what: string, resource: string, endpoint?: string): T {
  if (value === undefined) {
    throw new MessagingError(
      MessagingErrorCode.Config,
      `${resource}: ${what}: ${notAwsApiExplanation(endpoint)}`,
    );
  }
  return value;
}
