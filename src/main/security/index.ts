/*
 * Security policy of the desktop shell, free of electron (the tests run it under plain Node); the shell
 * (src/main/index.ts) only wires these into Electron's APIs.
 */
export * from './urls';
export * from './protocol';
export * from './window';
export * from './anchor-key';
