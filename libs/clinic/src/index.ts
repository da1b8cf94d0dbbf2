/**
 * @app/clinic: the clinic's own shape, which the messaging library knows nothing of: its apps
 * (name, port, database, entry point), its messaging topology and routing attributes, and the
 * settings that bind them to the library.
 */
export {
  consumes,
  defineApp,
  defineProcess,
  PUBLISHES,
  type ClinicAppBlueprint,
  type DatabaseSetting,
  type EntryPoint,
  type MessagingRole,
  type PortSetting,
  type ProcessBlueprint,
} from './app-blueprint';
export { CLINIC_APPS, CLINIC_SCREEN } from './apps';
export {
  appNamed,
  CLINIC_APP_NAMES,
  consumerNames,
  consumers,
  databaseNames,
  defaultPorts,
  isClinicApp,
  publisherApp,
  type ClinicApp,
  type ClinicAppEntry,
  type ClinicConsumer,
} from './app-list';
export {
  clinicTopology,
  DATA_KEY_REUSE_PERIOD_S,
  DEFAULT_MAX_RECEIVE_COUNT,
  type ClinicTopologyOptions,
} from './clinic.topology';
export { ALLOWED_ATTRIBUTES, CLINIC_ATTRIBUTE, ROUTING_ATTRIBUTE } from './routing-attributes';
export { loadMessagingConfig, PROJECT_ROOT, type MessagingConfig } from './messaging.settings';
export { clinicEndpoint, clinicMessagingOptions, clinicRuntime } from './clinic.messaging';
export { clinicFixOf, describeClinicError } from './error-fixes';
export { CLINIC_DOCTOR_HINTS } from './doctor-hints';
