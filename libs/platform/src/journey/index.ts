export { OBSERVATION_RING_CAPACITY, ObservationRing } from './observation-ring';
export { JOURNEY_EFFECTS, type JourneyEffect, type JourneyEffectSource } from './journey.types';
export { type ConsumerJourney, JourneyController } from './journey.controller';
export { type LabTransportAnswer, LabTransportController } from './lab-transport.controller';
