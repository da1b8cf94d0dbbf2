/**
 * @app/local-stack/testing: what Linux's /proc says about listening sockets and processes, for
 * tests that check where a server of the stack listens and which process holds a port; and
 * whether a login gets into the embedded PostgreSQL.
 */
export {
  clientAddressOf,
  freezePostgres,
  inDatabase,
  loginRefusal,
  overTcp,
  startPostgresTcpOnly,
} from './postgres';
export {
  freezeWithChildren,
  groupOf,
  isRunning,
  listeningSockets,
  parentOf,
  pidListeningOn,
  stateOf,
} from './proc';
