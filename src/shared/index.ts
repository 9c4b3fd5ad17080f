export * from './api';
export * from './domain';
export * from './errors';
export * from './strategy';
export * from './backtest';
export * from './indicators';
export * from './tuning';
