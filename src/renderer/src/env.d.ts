import { type BallastBridge } from '../../shared/api';

// The preload's object (checked there with `satisfies BallastBridge`): named contract methods and one
// event stream under contextIsolation, nothing else. Absent in browser mode.
declare global {
  interface Window {
    ballast?: BallastBridge;
  }
}

export {};
