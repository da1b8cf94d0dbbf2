import { stopOnSignals } from '@app/platform';
import { createWebApp, createWebLogger } from './bootstrap';
import { loadWebConfig } from './web.config';

/** `npm start` runs this as the clinic's screen (http://127.0.0.1:8080 by default). */
async function main(): Promise<void> {
  const config = loadWebConfig();
  const app = await createWebApp(config);
  stopOnSignals({
    title: 'Clinic screen',
    name: 'web',
    close: () => app.close(),
    logger: createWebLogger(config),
  });
  try {
    await app.listen(config.port, config.host);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `Port ${config.port} of the clinic screen is already in use. Stop the other process, or set CLINIC_WEB_PORT to a free port (and CLINIC_WEB_ORIGIN if people open it by another name).`,
        { cause: error },
      );
    }
    throw error;
  }
  createWebLogger(config).log(`Clinic screen on ${config.origin} (${config.profile} profile)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`[web] failed to start: ${(error as Error).message}\n`);
  process.exit(1);
});
