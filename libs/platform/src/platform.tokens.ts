/** Injection token of the app's {@link AppConfig} (its own file: services inside platform inject it). */
export const APP_CONFIG = Symbol('APP_CONFIG');
