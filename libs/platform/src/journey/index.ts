export * from './observation-ring';
export * from './journey.types';
export * from './journey.controller';
export * from './lab-transport.controller';
