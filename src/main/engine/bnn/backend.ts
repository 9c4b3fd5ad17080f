/**
 * The TensorFlow.js compute backend, chosen once per process: TensorFlow with CUDA
 * (`@tensorflow/tfjs-node-gpu`), else TensorFlow on the CPU (`@tensorflow/tfjs-node`), else WebAssembly
 * (`@tensorflow/tfjs-backend-wasm`), else plain JavaScript. The choice and every failed attempt are kept so the
 * UI can show what the forecasts ran on and why a faster backend was not used.
 *
 * The two native packages are optional dependencies that may be missing (their binaries come from another
 * host). They are loaded with a runtime `require` obtained from `createRequire`, which a bundler cannot see:
 * electron-vite externalises only `dependencies`, so a literal `import('@tensorflow/tfjs-node')` would make the
 * build try to resolve (or bundle) a package that is not installed.
 */
import * as tf from '@tensorflow/tfjs';

export type ComputeBackendName = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

export interface ComputeBackendInfo {
  name: ComputeBackendName;
  /** What was loaded, in words: library versions, SIMD, threads. */
  detail: string;
  /** Backends tried before this one, in order, with the reason each was not used. */
  fallbacks: { tried: string; error: string }[];
}

/** One way of getting a backend: `load` registers it with tfjs and returns the detail text, or throws. */
export interface BackendCandidate {
  name: ComputeBackendName;
  /** Shown in `fallbacks[].tried`, e.g. the package name. */
  label: string;
  load(): Promise<string>;
}

export const COMPUTE_BACKEND_ORDER: readonly ComputeBackendName[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

type RuntimeRequire = ((id: string) => unknown) & { resolve(id: string): string };

/** The CommonJS `require` of this module in Node (bundled CJS or ESM alike); undefined outside Node. */
function runtimeRequire(): RuntimeRequire | undefined {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') return undefined;
  if (typeof require === 'function') return require;
  return process.getBuiltinModule('node:module').createRequire(import.meta.url);
}

function firstLine(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

async function activate(name: string): Promise<void> {
  // setBackend resolves false (instead of throwing) when the backend's initialiser fails.
  if (!(await tf.setBackend(name))) throw new Error(`tfjs could not initialise the '${name}' backend`);
  await tf.ready();
}

function nativeCandidate(name: 'tensorflow-gpu' | 'tensorflow', pkg: string): BackendCandidate {
  return {
    name,
    label: pkg,
    async load() {
      const req = runtimeRequire();
      if (!req) throw new Error('not running under Node.js');
      const mod = req(pkg) as { version?: Record<string, string> };
      // tfjs-node registers 'tensorflow' on the process-wide tfjs engine (kept on the global object), so the
      // `tf` imported here sees it even if the package brought its own copy of tfjs-core.
      if (!tf.findBackendFactory('tensorflow')) {
        throw new Error(`${pkg} loaded but did not register the 'tensorflow' backend`);
      }
      await activate('tensorflow');
      const versions = mod.version ?? {};
      const tfVersion = versions['tfjs-node'] ?? versions['tfjs-node-gpu'] ?? tf.version.tfjs;
      return name === 'tensorflow-gpu'
        ? `${pkg} ${tfVersion} (libtensorflow CUDA build; TensorFlow places ops on the GPU when one is visible)`
        : `${pkg} ${tfVersion} (libtensorflow, native CPU kernels)`;
    },
  };
}

const wasmCandidate: BackendCandidate = {
  name: 'wasm',
  label: '@tensorflow/tfjs-backend-wasm',
  async load() {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    const req = runtimeRequire();
    if (req) {
      // In Node the .wasm binaries are read from the package's dist folder; without this the backend looks
      // for them next to the bundle, where they are not.
      const packageJson = req.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      wasm.setWasmPaths(packageJson.slice(0, packageJson.length - 'package.json'.length) + 'dist/');
    }
    await activate('wasm');
    const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
    const threads = wasm.getThreadsCount();
    return `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm} (WebAssembly, SIMD ${simd ? 'on' : 'off'}, ${threads} thread${threads === 1 ? '' : 's'})`;
  },
};

const cpuCandidate: BackendCandidate = {
  name: 'cpu',
  label: '@tensorflow/tfjs-backend-cpu',
  async load() {
    await activate('cpu');
    return `@tensorflow/tfjs-backend-cpu ${tf.version['tfjs-backend-cpu']} (plain JavaScript kernels)`;
  },
};

export function defaultBackendCandidates(): BackendCandidate[] {
  return [
    nativeCandidate('tensorflow-gpu', '@tensorflow/tfjs-node-gpu'),
    nativeCandidate('tensorflow', '@tensorflow/tfjs-node'),
    wasmCandidate,
    cpuCandidate,
  ];
}

/**
 * Tries the candidates in order and activates the first that loads. Exported for tests and for callers that
 * want a restricted list (e.g. a setting "never use the GPU"); the app calls `initComputeBackend` instead.
 */
export async function selectComputeBackend(candidates: readonly BackendCandidate[]): Promise<ComputeBackendInfo> {
  const fallbacks: { tried: string; error: string }[] = [];
  for (const candidate of candidates) {
    try {
      const detail = await candidate.load();
      return { name: candidate.name, detail, fallbacks };
    } catch (error) {
      fallbacks.push({ tried: candidate.label, error: firstLine(error) });
    }
  }
  throw new Error(`no TensorFlow.js backend could be loaded: ${fallbacks.map((f) => `${f.tried}: ${f.error}`).join('; ')}`);
}

let chosen: ComputeBackendInfo | undefined;
let choosing: Promise<ComputeBackendInfo> | undefined;

export interface InitComputeBackendOptions {
  /** Restrict the search to these backends (in the fixed order above); all four by default. */
  only?: readonly ComputeBackendName[];
}

/**
 * Chooses the backend once; later calls return the first call's result (options are ignored then), so every
 * part of the process computes on the same backend and reports the same one.
 */
export function initComputeBackend(options: InitComputeBackendOptions = {}): Promise<ComputeBackendInfo> {
  if (!choosing) {
    const allowed = options.only ? new Set(options.only) : undefined;
    const candidates = defaultBackendCandidates().filter((c) => !allowed || allowed.has(c.name));
    choosing = selectComputeBackend(candidates).then(
      (info) => (chosen = info),
      (error: unknown) => {
        choosing = undefined;
        throw error;
      },
    );
  }
  return choosing;
}

/** The backend chosen by `initComputeBackend`; throws if called before it resolved. */
export function computeBackendInfo(): ComputeBackendInfo {
  if (!chosen) throw new Error('the compute backend is not initialised yet: await initComputeBackend() first');
  return { ...chosen, fallbacks: chosen.fallbacks.map((f) => ({ ...f })) };
}

/** The info if the backend is already chosen, else undefined (no throw). */
export function computeBackendInfoIfReady(): ComputeBackendInfo | undefined {
  return chosen ? computeBackendInfo() : undefined;
}
