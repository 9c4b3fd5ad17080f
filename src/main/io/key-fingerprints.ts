/**
 * Fingerprints of keys (53 bits each, 8 bytes in a typed array), to learn cheaply whether a long list of
 * keys has a repeat without keeping the keys: equal keys always have equal fingerprints, so "no two
 * fingerprints are equal" proves that no key repeats. Two equal fingerprints mean a repeat — or, rarely
 * (about n² / 2⁵⁴ for n keys: 10⁻³ at four million), two keys that merely collide; the caller then checks
 * exactly, another way. A file's holdings are read once this way instead of parking every identifier in
 * a table (issue 10).
 */
export class KeyFingerprints {
  private values = new Float64Array(4096);
  private size = 0;

  /** Lanes of the hash being built by add(). */
  private a = 0;
  private b = 0;

  /** Adds the key made of these three parts (kept apart: ('ab', 'c', '') and ('a', 'bc', '') differ). */
  add(first: string, second: string, third: string): void {
    // Called once per line of a file: the parts are hashed one after another, with no array built to loop over.
    this.a = 0x811c9dc5;
    this.b = 0x2545f491;
    this.hashPart(first);
    this.hashPart(second);
    this.hashPart(third);
    let a = this.a;
    let b = this.b;
    // MurmurHash3's finaliser on each lane, so every input bit reaches the bits kept.
    a = mix(a);
    b = mix(b ^ a);
    if (this.size === this.values.length) {
      const grown = new Float64Array(this.values.length * 2);
      grown.set(this.values);
      this.values = grown;
    }
    // 21 bits of one lane above 32 of the other: an integer below 2⁵³, exact in a double.
    this.values[this.size++] = (a >>> 11) * 4294967296 + (b >>> 0);
  }

  private hashPart(part: string): void {
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < part.length; i++) {
      const c = part.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 13;
    }
    // A separator after each part, with its length, mixed into both lanes.
    a = Math.imul(a ^ (0x10000 + part.length), 0x01000193);
    b = Math.imul(b ^ (0x10000 + part.length), 0x5bd1e995);
    b ^= b >>> 13;
    this.a = a;
    this.b = b;
  }

  get count(): number {
    return this.size;
  }

  /** True when two added keys have the same fingerprint (a repeated key, or a rare collision). Sorts in place. */
  hasEqualPair(): boolean {
    const sorted = this.values.subarray(0, this.size).sort();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) return true;
    return false;
  }
}

function mix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
