/**
 * @app/clinic: the clinic's own shape, which the messaging library knows nothing of: its apps
 * (name, port, database, entry point), its messaging topology and routing attributes, and the
 * settings that bind them to the library.
 */
export {};
export { CLINIC_DOCTOR_HINTS } from './doctor-hints';
