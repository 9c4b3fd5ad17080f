/**
 * Bulk standard-normal draws for Monte Carlo noise. A 50-asset forecast with 100 draws of a [32, 32]
 * network needs ~150 000 normals; at Box–Muller speed that alone would use most of the latency budget, so
 * this stream uses the ziggurat method (Marsaglia & Tsang 2000, 128 layers) on an inlined xoshiro128**
 * generator seeded from the caller's `Rng`. The layer index and the value come from disjoint bits of each
 * 32-bit draw (7 and 25 bits), avoiding the index/value correlation Doornik (2005) found in the original.
 */
import type { Rng } from '../math/random';

const LAYERS = 128;
const R = 3.442619855899; // start of the tail strip
const LAYER_AREA = 9.91256303526217e-3;
const M = 2 ** 24; // |value bits| < 2^24 (25-bit signed)

const kn = new Int32Array(LAYERS);
const wn = new Float64Array(LAYERS);
const fn = new Float64Array(LAYERS);
{
  let dn = R;
  let tn = dn;
  const q = LAYER_AREA / Math.exp(-0.5 * dn * dn);
  kn[0] = Math.floor((dn / q) * M);
  kn[1] = 0;
  wn[0] = q / M;
  wn[LAYERS - 1] = dn / M;
  fn[0] = 1;
  fn[LAYERS - 1] = Math.exp(-0.5 * dn * dn);
  for (let i = LAYERS - 2; i >= 1; i--) {
    dn = Math.sqrt(-2 * Math.log(LAYER_AREA / dn + Math.exp(-0.5 * dn * dn)));
    kn[i + 1] = Math.floor((dn / tn) * M);
    tn = dn;
    fn[i] = Math.exp(-0.5 * dn * dn);
    wn[i] = dn / M;
  }
}

export class NormalStream {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  /** Takes four 32-bit words from `rng` as its state; the stream is then independent of `rng`. */
  constructor(rng: Rng) {
    const word = () => Math.floor(rng.next() * 4294967296) | 0;
    this.a = word();
    this.b = word();
    this.c = word();
    this.d = word();
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  private uint32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9);
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result; // signed 32-bit view of the output
  }

  /** Uniform in (0, 1). */
  private uniform(): number {
    return ((this.uint32() >>> 0) + 0.5) / 4294967296;
  }

  next(): number {
    for (;;) {
      const u = this.uint32();
      const layer = u & (LAYERS - 1);
      const value = u >> 7;
      if (Math.abs(value) < kn[layer]!) return value * wn[layer]!;
      const x = value * wn[layer]!;
      if (layer === 0) {
        // Tail beyond R: Marsaglia's exponential rejection.
        let tx: number;
        let ty: number;
        do {
          tx = -Math.log(this.uniform()) / R;
          ty = -Math.log(this.uniform());
        } while (ty + ty < tx * tx);
        return value > 0 ? R + tx : -R - tx;
      }
      if (fn[layer]! + this.uniform() * (fn[layer - 1]! - fn[layer]!) < Math.exp(-0.5 * x * x)) return x;
    }
  }

  /** Fills `out` with independent N(0, scale²) draws and returns it. */
  fill(out: Float32Array, scale = 1): Float32Array {
    // The common case inlined: one 32-bit draw, one table compare, one multiply.
    let { a, b, c, d } = this;
    for (let i = 0; i < out.length; i++) {
      const u = Math.imul(rotl(Math.imul(b, 5), 7), 9);
      const t = b << 9;
      c ^= a;
      d ^= b;
      b ^= c;
      a ^= d;
      c ^= t;
      d = rotl(d, 11);
      const layer = u & (LAYERS - 1);
      const value = u >> 7;
      if (Math.abs(value) < kn[layer]!) {
        out[i] = value * wn[layer]! * scale;
      } else {
        this.a = a;
        this.b = b;
        this.c = c;
        this.d = d;
        out[i] = this.slowPath(layer, value) * scale;
        ({ a, b, c, d } = this);
      }
    }
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return out;
  }

  private slowPath(layer: number, value: number): number {
    const x = value * wn[layer]!;
    if (layer === 0) {
      let tx: number;
      let ty: number;
      do {
        tx = -Math.log(this.uniform()) / R;
        ty = -Math.log(this.uniform());
      } while (ty + ty < tx * tx);
      return value > 0 ? R + tx : -R - tx;
    }
    if (fn[layer]! + this.uniform() * (fn[layer - 1]! - fn[layer]!) < Math.exp(-0.5 * x * x)) return x;
    return this.next();
  }

  /** Fills `out` with Bernoulli(keep) / keep draws: inverted-dropout masks. */
  fillDropoutMask(out: Float32Array, keep: number): Float32Array {
    const threshold = keep * 4294967296;
    const value = 1 / keep;
    for (let i = 0; i < out.length; i++) out[i] = (this.uint32() >>> 0) < threshold ? value : 0;
    return out;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
