import type { ConsumerTuning } from '@app/crypto-messaging';

/**
 * The clinic's consumers take whole received batches (`@EventBatchPattern`): twenty messages in
 * hand is one batch of ten being committed while the next ten are received and decrypted, where
 * the library's default (ten) would leave the consumer idle during each batch's transaction.
 * One long poll at a time: two (the default for twenty slots) wake together at each publish and
 * share its messages, which halves the batches and adds an empty receive (Billing's batches went
 * from about 4.5 events to 6.5 with one, Scheduling's from about 3.3 to 4-6, in
 * `npm run bench -- clinic`). A 60 ms batching window lets more arrive before the next receive
 * when one brought five to nine messages: batches of 7-8 events instead of about 6.4 at full
 * rate, and no window at 50 records/s, where receives bring one or two (ADR 0017's amendment).
 */
export const CLINIC_CONSUMER_TUNING: ConsumerTuning = { concurrency: 20, receivers: 1, batchWindowMs: 60 };
