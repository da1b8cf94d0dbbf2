export * from './dead-letter.error';
export * from './dead-letter-queues';
