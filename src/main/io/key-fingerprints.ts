/**
 * Fingerprints of keys (53 bits each, 8 bytes in a typed array), to learn cheaply whether a long list of
 * keys has a repeat without keeping the keys: equal keys always have equal fingerprints, so "no two
 * fingerprints are equal" proves that no key repeats. Two equal fingerprints mean a repeat — or, rarely
 * (about n² / 2⁵⁴ for n keys: 10⁻³ at four million), two keys that merely collide; the caller then checks
 * exactly, another way. A file's holdings are read once this way instead of parking every identifier in
 * a table (issue 10).
 */
export class KeyFingerprints {
  /**
   * The fingerprints in chunks of at most `chunkSize` (the first one grows by doubling up to it), never in one array
   * that doubles: a doubling array holds up to twice what it needs, and its last growth briefly holds both copies —
   * 96 MB at five million keys (a 5M-row positions preview keeps two sets: it peaked at 257 MB, 217 MB with chunks;
   * issue 10). Chunks cost 8 bytes a key.
   */
  private readonly chunks: Float64Array[];
  /** Keys in the last chunk. */
  private used = 0;
  private size = 0;

  /** Lanes of the hash being built by add(). */
  private a = 0;
  private b = 0;

  /** `chunkSize`: fingerprints per chunk (64 Ki, 512 KiB, unless a test needs small ones to cross chunks). */
  constructor(private readonly chunkSize = 1 << 16) {
    this.chunks = [new Float64Array(Math.min(4096, chunkSize))];
  }

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
    let last = this.chunks[this.chunks.length - 1]!;
    if (this.used === last.length) {
      if (last.length < this.chunkSize) {
        const grown = new Float64Array(Math.min(last.length * 2, this.chunkSize));
        grown.set(last);
        this.chunks[this.chunks.length - 1] = last = grown;
      } else {
        this.chunks.push((last = new Float64Array(this.chunkSize)));
        this.used = 0;
      }
    }
    // 21 bits of one lane above 32 of the other: an integer below 2⁵³, exact in a double.
    last[this.used++] = (a >>> 11) * 4294967296 + (b >>> 0);
    this.size++;
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

  /**
   * True when two added keys have the same fingerprint (a repeated key, or a rare collision). Sorts each chunk in
   * place, then walks them in merged order (a heap of the chunks' next values), comparing each value with the one
   * before: no copy of the whole list.
   */
  hasEqualPair(): boolean {
    const chunks = this.chunks.map((chunk, k) => (k === this.chunks.length - 1 ? chunk.subarray(0, this.used) : chunk).sort()).filter((c) => c.length > 0);
    // A k-way merge: a binary min-heap of each chunk's next value (`value`) and its chunk (`from`), taken in ascending
    // order; a value equal to the one before it is a repeat, within a chunk or across chunks. Chunks ordered by their
    // first value are already a heap.
    let size = chunks.length;
    const value = new Float64Array(size);
    const from = new Int32Array(size);
    const next = new Int32Array(size);
    chunks
      .map((_, c) => c)
      .sort((x, y) => chunks[x]![0]! - chunks[y]![0]!)
      .forEach((c, i) => {
        from[i] = c;
        value[i] = chunks[c]![0]!;
      });
    let previous = Number.NaN;
    while (size > 0) {
      if (value[0] === previous) return true;
      previous = value[0]!;
      // The top's chunk moves on; an exhausted chunk's place goes to the heap's last entry. Either sifts down from the top.
      let c = from[0]!;
      let v: number;
      const position = ++next[c]!;
      if (position < chunks[c]!.length) v = chunks[c]![position]!;
      else {
        size--;
        c = from[size]!;
        v = value[size]!;
      }
      let i = 0;
      for (;;) {
        let child = 2 * i + 1;
        if (child >= size) break;
        if (child + 1 < size && value[child + 1]! < value[child]!) child++;
        if (v <= value[child]!) break;
        value[i] = value[child]!;
        from[i] = from[child]!;
        i = child;
      }
      value[i] = v;
      from[i] = c;
    }
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
