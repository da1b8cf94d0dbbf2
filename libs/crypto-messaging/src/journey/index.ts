export * from './delivery-tap';
export * from './filter-policy';
