import { type MethodName, type PushEvent } from '../../shared/api';
import { type Result } from '../../shared/errors';

/** What the preload exposes under contextIsolation: named contract methods and one event stream, nothing else. */
export interface BallastBridge {
  readonly transport: 'ipc';
  readonly methods: Record<MethodName, (input: unknown, callId?: string) => Promise<Result<unknown>>>;
  onEvent(listener: (event: PushEvent) => void): () => void;
}

declare global {
  interface Window {
    ballast?: BallastBridge;
  }
}
