/** Event contracts between the EMR and the consuming systems. */
export * from './patient-record/patient-record-created.event';
export * from './patient-record/routing-attributes';
export * from './synthetic/synthetic-record';
export * from './synthetic/synthetic-requests';
