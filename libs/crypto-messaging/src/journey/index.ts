export {
  CIPHERTEXT_HEAD_BYTES,
  ciphertextHead,
  type CiphertextHead,
  type DeliveryTap,
  type HopObservation,
  inBatchDeliveryScope,
  inDeliveryScope,
  type JourneyHop,
  type KeyOperation,
  markDuplicateDelivery,
} from './delivery-tap';
export { evaluateFilterPolicy, type FilterVerdict } from './filter-policy';
