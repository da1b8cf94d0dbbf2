/** Injection token of the web process's {@link WebConfig}. */
export const WEB_CONFIG = Symbol('WEB_CONFIG');
