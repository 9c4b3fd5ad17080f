import fc from 'fast-check';

/**
 * Property tests draw new random inputs on every local run (fast-check prints the seed and path of any
 * failure, so `FC_SEED=<seed> npx vitest run <file>` replays it). Under CI the seed is fixed, so a landing is
 * never blocked by a draw no one can reproduce; FC_SEED overrides it in both places.
 */
const CI_SEED = 20_261_205;
const fromEnv = process.env.FC_SEED !== undefined && process.env.FC_SEED !== '' ? Number(process.env.FC_SEED) : undefined;
if (fromEnv !== undefined && !Number.isInteger(fromEnv)) throw new Error(`FC_SEED must be an integer, got "${process.env.FC_SEED}"`);
const seed = fromEnv ?? (process.env.CI ? CI_SEED : undefined);
if (seed !== undefined) fc.configureGlobal({ seed });
