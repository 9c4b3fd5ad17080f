import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { type MethodInput, type MethodName, type MethodOutput, type PushEvent } from '../../shared/api';
import { ApiCallError, newCallId, type BallastClient } from './api';

export type Entity = Extract<PushEvent, { type: 'state-changed' }>['entity'];
export type Versions = Record<Entity, number>;

export interface RunningCall {
  callId: string;
  method: MethodName;
  label: string;
  step: string;
  current: number;
  total: number;
  cancelling: boolean;
  /** Date.now() when the call started: a multi-minute training shows its elapsed time. */
  startedAt: number;
}

export interface ShownError {
  id: number;
  code: string;
  message: string;
}

interface AppState {
  client: BallastClient;
  /** Bumped when the main side says an entity changed; queries list the entities they read. */
  versions: Versions;
  errors: ShownError[];
  running: RunningCall[];
  reportError(error: unknown): void;
  dismissError(id: number): void;
  clearErrors(): void;
  /** A long contract call with its own callId, tracked for progress and cancel. */
  runLong<M extends MethodName>(method: M, input: MethodInput<M>, label: string): Promise<MethodOutput<M>>;
  cancel(callId: string): void;
}

const AppContext = createContext<AppState | null>(null);

export function useApp(): AppState {
  const state = useContext(AppContext);
  if (!state) throw new Error('useApp outside <AppProvider>');
  return state;
}

export function errorMessage(error: unknown): { code: string; message: string } {
  if (error instanceof ApiCallError) return { code: error.code, message: error.message };
  if (error instanceof Error) return { code: 'INTERNAL', message: error.message };
  return { code: 'INTERNAL', message: String(error) };
}

export function AppProvider({ client, children }: { client: BallastClient; children: ReactNode }) {
  const [versions, setVersions] = useState<Versions>({ proposals: 0, portfolio: 0, imports: 0, audit: 0, tuning: 0 });
  const [errors, setErrors] = useState<ShownError[]>([]);
  const [running, setRunning] = useState<RunningCall[]>([]);
  const nextErrorId = useRef(1);

  useEffect(
    () =>
      client.onEvent((event) => {
        if (event.type === 'progress') {
          setRunning((calls) =>
            calls.map((call) =>
              call.callId === event.callId ? { ...call, step: event.step, current: event.current, total: event.total } : call,
            ),
          );
        } else {
          setVersions((v) => ({ ...v, [event.entity]: v[event.entity] + 1 }));
        }
      }),
    [client],
  );

  const reportError = useCallback((error: unknown) => {
    const { code, message } = errorMessage(error);
    const id = nextErrorId.current++;
    // Keep the region short: the newest few messages are the ones the PM is acting on.
    setErrors((list) => [...list.slice(-3), { id, code, message }]);
  }, []);
  const dismissError = useCallback((id: number) => setErrors((list) => list.filter((e) => e.id !== id)), []);
  const clearErrors = useCallback(() => setErrors([]), []);

  const runLong = useCallback(
    async <M extends MethodName>(method: M, input: MethodInput<M>, label: string): Promise<MethodOutput<M>> => {
      const callId = newCallId();
      setRunning((calls) => [...calls, { callId, method, label, step: 'Starting', current: 0, total: 0, cancelling: false, startedAt: Date.now() }]);
      try {
        return await client.call(method, input, { callId });
      } finally {
        setRunning((calls) => calls.filter((call) => call.callId !== callId));
      }
    },
    [client],
  );

  const cancel = useCallback(
    (callId: string) => {
      setRunning((calls) => calls.map((call) => (call.callId === callId ? { ...call, cancelling: true } : call)));
      client.cancel(callId).catch(reportError);
    },
    [client, reportError],
  );

  const value = useMemo<AppState>(
    () => ({ client, versions, errors, running, reportError, dismissError, clearErrors, runLong, cancel }),
    [client, versions, errors, running, reportError, dismissError, clearErrors, runLong, cancel],
  );
  return <AppContext.Provider value={value}>{children}</AppContext.Provider>;
}

export interface Query<T> {
  data: T | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * Loads data and reloads it when `deps` change or when one of `entities` changes on the main side.
 * A slower earlier answer never overwrites a newer one. `load` returning undefined means "nothing to load".
 */
export function useQuery<T>(load: () => Promise<T> | undefined, deps: readonly unknown[], entities: readonly Entity[] = []): Query<T> {
  const { versions, reportError } = useApp();
  const [data, setData] = useState<T | undefined>(undefined);
  const [loading, setLoading] = useState(false);
  const [manual, setManual] = useState(0);
  const sequence = useRef(0);
  const entityKey = entities.map((e) => versions[e]).join(',');

  const lastDeps = useRef<readonly unknown[]>(deps);

  useEffect(() => {
    const mine = ++sequence.current;
    // New subject (another account, another proposal): drop the old answer rather than show it under the new one.
    // A refresh of the same subject keeps it on screen until the new answer arrives.
    const subjectChanged = deps.length !== lastDeps.current.length || deps.some((d, i) => !Object.is(d, lastDeps.current[i]));
    lastDeps.current = deps;
    if (subjectChanged) setData(undefined);
    const pending = load();
    if (!pending) {
      setData(undefined);
      setLoading(false);
      return;
    }
    setLoading(true);
    pending.then(
      (value) => {
        if (mine !== sequence.current) return;
        setData(value);
        setLoading(false);
      },
      (error: unknown) => {
        if (mine !== sequence.current) return;
        setLoading(false);
        reportError(error);
      },
    );
    // `load` is recreated each render; `deps` stand for what it reads.
  }, [...deps, entityKey, manual]);

  const reload = useCallback(() => setManual((n) => n + 1), []);
  return { data, loading, reload };
}

/**
 * A user action: clears the alert region (old messages are no longer about what the PM is doing),
 * marks itself busy, and shows any failure in plain words. Resolves to undefined on failure.
 */
export type RunAction = <T>(action: () => Promise<T>, onError?: (error: unknown) => void) => Promise<T | undefined>;
export function useAction(): [RunAction, boolean] {
  const { reportError, clearErrors } = useApp();
  const [busy, setBusy] = useState(false);
  const run = useCallback(
    async <T,>(action: () => Promise<T>, onError?: (error: unknown) => void): Promise<T | undefined> => {
      clearErrors();
      setBusy(true);
      try {
        return await action();
      } catch (error) {
        reportError(error);
        onError?.(error);
        return undefined;
      } finally {
        setBusy(false);
      }
    },
    [clearErrors, reportError],
  );
  return [run, busy];
}
