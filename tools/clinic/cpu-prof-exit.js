// Preloaded (`-r`) into a service started with CLINIC_CPU_PROF_DIR (`node --cpu-prof`). Node
// writes the CPU profile when the process exits, but not when a signal ends it; the apps stop on
// SIGTERM or SIGINT by draining, removing their listener and raising the signal again. This
// listener is then the last one left and turns that signal into an exit, so the profile is written.
'use strict';
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (process.listenerCount(signal) === 1) process.exit(0);
  });
}
