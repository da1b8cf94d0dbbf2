/**
 * @app/clinic: the clinic's own shape, which the messaging library knows nothing of: its apps
 * (name, port, database, entry point), its messaging topology and routing attributes, and the
 * settings that bind them to the library.
 */
export {
  appNamed,
  CLINIC_APP_NAMES,
  CLINIC_APPS,
  CLINIC_SCREEN,
  consumerNames,
  consumers,
  databaseNames,
  defaultPorts,
  isClinicApp,
  publisherApp,
  type ClinicApp,
  type ClinicAppBlueprint,
  type ClinicAppEntry,
  type ClinicConsumer,
  type DatabaseSetting,
  type EntryPoint,
  type MessagingRole,
  type PortSetting,
  type ProcessBlueprint,
} from './apps';
