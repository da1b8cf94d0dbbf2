import { until } from '../support';

const STOP_TIMEOUT_MS = 10_000;

/** Resolves once a stopped `sqs-consumer` (any version) has no poll under way any more. */
export function stopped(consumer: { readonly status: { readonly isPolling: boolean } }): Promise<void> {
  return until(() => !consumer.status.isPolling, STOP_TIMEOUT_MS, 'sqs-consumer to stop polling', 20);
}
