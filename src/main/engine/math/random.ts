/**
 * Seeded pseudo-random numbers for the engine. Every stochastic routine takes a seed (house rule), so the
 * generator is explicit state rather than Math.random. xoshiro128** (Blackman & Vigna 2018) is small, fast on
 * 32-bit integer maths, and passes BigCrush; two outputs make one 53-bit double.
 */
export interface Rng {
  /** Uniform in [0, 1) with 53 random bits. */
  next(): number;
  /** Standard normal (Box–Muller; the second variate is kept for the next call). */
  normal(): number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
}

/** splitmix32: spreads a small or structured seed over the whole state so seeds 0, 1, 2 … are unrelated. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** Mixes a list of integers (a seed and, say, a stream index) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  const state = { s: 0x2545f491 };
  let h = 0;
  for (const p of parts) {
    // Keep the high bits of large seeds too: fold the value as two 32-bit halves.
    const lo = p >>> 0;
    const hi = Math.floor(p / 2 ** 32) >>> 0;
    state.s = (state.s ^ lo) | 0;
    h = (h ^ splitmix32(state)) >>> 0;
    state.s = (state.s ^ hi) | 0;
    h = (Math.imul(h, 0x01000193) ^ splitmix32(state)) >>> 0;
  }
  return h >>> 0;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`random seed must be a finite number, got ${seed}`);
  const init = { s: mixSeed(Math.trunc(seed)) };
  let a = splitmix32(init);
  let b = splitmix32(init);
  let c = splitmix32(init);
  let d = splitmix32(init);
  if ((a | b | c | d) === 0) a = 1;
  let spareNormal: number | null = null;

  function nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = rotl(d, 11);
    return result;
  }

  function next(): number {
    const hi = nextUint32() >>> 5; // 27 bits
    const lo = nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  function normal(): number {
    if (spareNormal !== null) {
      const z = spareNormal;
      spareNormal = null;
      return z;
    }
    let u = 0;
    while (u === 0) u = next();
    const v = next();
    const r = Math.sqrt(-2 * Math.log(u));
    spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  return { next, normal, nextUint32 };
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
