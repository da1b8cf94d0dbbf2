/**
 * @app/crypto-messaging/testing: test utilities (the one import allowed from a lib's insides).
 */
export { freePort } from '../embedded/free-port';
export { eventually } from './eventually';
export { HandlerSpy } from './handler-spy';
export { orderPlaced, syntheticOrder } from './order-events/order-events.fixture';
export { peekEvent, type PeekedMessage } from './peek';
export {
  startRecordingConsumer,
  type DeliverySink,
  type RecordedDelivery,
  type RecordingConsumer,
} from './recording-consumer';
export { ORDER_ATTRIBUTE, orderEventsTopology } from './order-events/order-events.topology';
export { OrderPlacedV1Event, type OrderPlacedV1 } from './order-events/order-events.events';
export {
  startMessagingTestStack,
  type MessagingTestStack,
  type TestBroker,
  type TestStackSetup,
} from './test-stack';
export {
  describeWithMoto,
  findMotoServer,
  MOTO_CREDENTIALS,
  MOTO_REGION,
  startMotoServer,
  startMotoWithClients,
  type MotoServer,
  type MotoWithClients,
} from './moto-server';
