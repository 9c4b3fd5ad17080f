import pkg from '../../../package.json';

declare const __BALLAST_COMMIT__: string | undefined;

/** Recorded with every proposal: the package version plus the git commit the build was made from. */
export const APP_VERSION: string = pkg.version;
export const CODE_VERSION: string =
  typeof __BALLAST_COMMIT__ === 'string' && __BALLAST_COMMIT__ ? `${pkg.version}+${__BALLAST_COMMIT__}` : `${pkg.version}+source`;

export const COMPUTE_BACKEND = 'TypeScript float64 (risk-parity baseline; no TensorFlow.js model in use yet)';
