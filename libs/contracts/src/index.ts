/** Event contracts between the EMR and the consuming systems. */
export {
  PatientRecordCreatedV1Event,
  PatientRecordCreatedV1Schema,
  type PatientRecordCreatedV1,
  type RecordEvent,
} from './patient-record/patient-record-created.event';
export { ROUTING_ATTRIBUTE, recordCreated, routingAttributesOf } from './patient-record/routing-attributes';
export { syntheticRecord } from './synthetic/synthetic-record';
export { SYNTHETIC_PATIENT_REQUEST, syntheticRecordRequest } from './synthetic/synthetic-requests';
