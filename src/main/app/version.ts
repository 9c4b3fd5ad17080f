import pkg from '../../../package.json';

declare const __BALLAST_COMMIT__: string | undefined;

/** Recorded with every proposal: the package version plus the git commit the build was made from. */
export const APP_VERSION: string = pkg.version;
export const CODE_VERSION: string =
  typeof __BALLAST_COMMIT__ === 'string' && __BALLAST_COMMIT__ ? `${pkg.version}+${__BALLAST_COMMIT__}` : `${pkg.version}+source`;

/**
 * What computes what, for the header of the UI and `ballast info`: proposals (risk-parity baseline, GP and
 * BO) run in TypeScript float64; TensorFlow.js models run on the backend chosen once at start
 * (tfjs-node-gpu → tfjs-node → WASM → CPU). Loading TensorFlow.js takes a moment, so it happens on first ask: the
 * backend module is imported then (and the build requires `@tensorflow/tfjs` on first use besides —
 * electron.vite.config.ts, lazyExternals), so a thread that never asks loads neither (issue 10).
 */
let backendLabel: Promise<string> | null = null;
export function computeBackendLabel(): Promise<string> {
  backendLabel ??= import('../engine/bnn/backend').then(({ initComputeBackend }) => initComputeBackend()).then(
    (info) => `TensorFlow.js ${info.name} (${info.detail}); allocator, GP and BO in TypeScript float64`,
    (err: unknown) => `TensorFlow.js unavailable (${err instanceof Error ? err.message : String(err)}); allocator, GP and BO in TypeScript float64`,
  );
  return backendLabel;
}
