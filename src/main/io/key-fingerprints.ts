/**
 * Fingerprints of keys (53 bits each, 8 bytes in a typed array), to learn cheaply whether a long list of
 * keys has a repeat without keeping the keys: equal keys always have equal fingerprints, so "no two
 * fingerprints are equal" proves that no key repeats. Two equal fingerprints mean a repeat — or, rarely
 * (about n² / 2⁵⁴ for n keys: 10⁻³ at four million), two keys that merely collide; the caller then checks
 * exactly, another way. A file's holdings are read once this way instead of parking every identifier in
 * a table (issue 10).
 *
 * With a `runStore` (the app gives a scratch file), memory stays bounded whatever the number of keys: past
 * `inMemory` keys (512 Ki, 4 MB), each further full chunk is sorted and appended to the store (an external sort's
 * runs), read back through a small window per run when hasEqualPair() merges. Call dispose() when done (it closes
 * the store; none is opened below the limit).
 */
export interface KeyFingerprintsOptions {
  /** Fingerprints per chunk (64 Ki, 512 KiB, unless a test needs small ones to cross chunks). */
  chunkSize?: number;
  /**
   * Fingerprints kept in memory before full chunks go to the run store (512 Ki, 4 MB; rounded up to whole chunks). At
   * 2 Mi (16 MB) a 2,000,000-line file over 100,000 accounts, whose preview keeps two sets, peaked at 204–209 MB
   * (preview) and 204 MB (import) against the 200 MB goal; at 512 Ki, 182–185 and 186–194 MB, in the same time
   * (issue 10; 256 Ki gained nothing more). Sorting a run is work hasEqualPair() would do anyway; the cost is
   * writing and reading back 8 bytes a key.
   */
  inMemory?: number;
  /** Values of a run read back at a time while merging (8 Ki, 64 KiB: a 5M-row file's 69 runs take about 4.4 MB). */
  runWindow?: number;
  /** Opens the store for runs, when the first one is written. Without it everything stays in memory. */
  runStore?: () => RunStore;
}

/** Append-only bytes, read back at any position: where sorted runs go (a scratch file). */
export interface RunStore {
  append(bytes: Uint8Array): void;
  /** Fills `into` from byte `position` of what was appended. */
  read(into: Uint8Array, position: number): void;
  /** Releases the store (a scratch file is deleted). */
  close(): void;
}

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
  /** The store of sorted runs (chunks moved out of memory), once there is one. */
  private spill: { store: RunStore; runs: { offset: number; length: number }[]; bytes: number } | null = null;
  private readonly chunkSize: number;
  private readonly inMemory: number;
  private readonly runWindow: number;
  private readonly runStore: (() => RunStore) | null;

  constructor(options: KeyFingerprintsOptions = {}) {
    this.chunkSize = options.chunkSize ?? 1 << 16;
    this.inMemory = options.inMemory ?? 1 << 19;
    this.runWindow = options.runWindow ?? 8192;
    this.runStore = options.runStore ?? null;
    this.chunks = [new Float64Array(Math.min(4096, this.chunkSize))];
  }

  /** Adds the key made of these three parts (kept apart: ('ab', 'c', '') and ('a', 'bc', '') differ). */
  add(first: string, second: string, third: string): void {
    this.addFingerprint(keyFingerprint(first, second, third));
  }

  /** Adds a key by its fingerprint (`keyFingerprint`), when the caller has it already. */
  addFingerprint(fingerprint: number): void {
    let last = this.chunks[this.chunks.length - 1]!;
    if (this.used === last.length) {
      if (last.length < this.chunkSize) {
        const grown = new Float64Array(Math.min(last.length * 2, this.chunkSize));
        grown.set(last);
        this.chunks[this.chunks.length - 1] = last = grown;
      } else if (this.runStore !== null && this.chunks.length * this.chunkSize >= this.inMemory) {
        // As many in memory as allowed: this full chunk becomes a sorted run on disk, and its array is reused.
        this.spillRun(last);
        this.used = 0;
      } else {
        this.chunks.push((last = new Float64Array(this.chunkSize)));
        this.used = 0;
      }
    }
    last[this.used++] = fingerprint;
    this.size++;
  }

  get count(): number {
    return this.size;
  }

  /** Fingerprints in the run store (0 until the in-memory limit is passed). */
  get spilled(): number {
    return this.spill === null ? 0 : this.spill.bytes / 8;
  }

  /** Closes the run store, if one was opened. The fingerprints are not to be used afterwards. */
  dispose(): void {
    const spill = this.spill;
    if (spill === null) return;
    this.spill = null;
    spill.store.close();
  }

  private spillRun(chunk: Float64Array): void {
    this.spill ??= { store: this.runStore!(), runs: [], bytes: 0 };
    const spill = this.spill;
    chunk.sort();
    spill.store.append(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
    spill.runs.push({ offset: spill.bytes, length: chunk.length });
    spill.bytes += chunk.byteLength;
  }

  /**
   * True when two added keys have the same fingerprint (a repeated key, or a rare collision). Sorts each chunk in
   * place, then walks them and the stored runs in merged order (a heap of each one's next value), comparing
   * each value with the one before: no copy of the whole list. Keys may be added afterwards and it asked again.
   */
  hasEqualPair(): boolean {
    // Every source in ascending order: the in-memory chunks sorted in place, the store's runs as written. A run
    // is read through a window of `runWindow` values, refilled as the merge moves on.
    const windows: Float64Array[] = [];
    const ends: number[] = [];
    const refills: ((() => number) | null)[] = [];
    for (let k = 0; k < this.chunks.length; k++) {
      const chunk = (k === this.chunks.length - 1 ? this.chunks[k]!.subarray(0, this.used) : this.chunks[k]!).sort();
      if (chunk.length === 0) continue;
      windows.push(chunk);
      ends.push(chunk.length);
      refills.push(null);
    }
    const spill = this.spill;
    for (const run of spill?.runs ?? []) {
      const window = new Float64Array(Math.min(this.runWindow, run.length));
      const bytes = new Uint8Array(window.buffer);
      let read = 0;
      const refill = () => {
        const n = Math.min(window.length, run.length - read);
        if (n > 0) spill!.store.read(bytes.subarray(0, n * 8), run.offset + read * 8);
        read += n;
        return n;
      };
      ends.push(refill());
      windows.push(window);
      refills.push(refill);
    }
    // A k-way merge: a binary min-heap of each source's next value (`value`) and its source (`from`), taken in ascending
    // order; a value equal to the one before it is a repeat, within a source or across sources. Sources ordered by their
    // first value are already a heap.
    let size = windows.length;
    const value = new Float64Array(size);
    const from = new Int32Array(size);
    const next = new Int32Array(size);
    windows
      .map((_, c) => c)
      .sort((x, y) => windows[x]![0]! - windows[y]![0]!)
      .forEach((c, i) => {
        from[i] = c;
        value[i] = windows[c]![0]!;
      });
    let previous = Number.NaN;
    while (size > 0) {
      if (value[0] === previous) return true;
      previous = value[0]!;
      // The top's source moves on (a run's window is refilled when used up: an empty refill means the run is done); an
      // exhausted source's place goes to the heap's last entry. Either sifts down from the top.
      let c = from[0]!;
      let v: number;
      let position = ++next[c]!;
      const refill = refills[c]!;
      if (position === ends[c] && refill !== null) {
        ends[c] = refill();
        next[c] = position = 0;
      }
      if (position < ends[c]!) v = windows[c]![position]!;
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

/** Lanes of the hash being built by keyFingerprint (module state: no object per key). */
let laneA = 0;
let laneB = 0;

/**
 * The fingerprint of the key made of these three parts (kept apart: ('ab', 'c', '') and ('a', 'bc', '') differ): two
 * 32-bit hash lanes, 21 bits of one above 32 of the other — an integer below 2⁵³, exact in a double.
 */
export function keyFingerprint(first: string, second: string, third: string): number {
  laneA = 0x811c9dc5;
  laneB = 0x2545f491;
  hashPart(first);
  hashPart(second);
  hashPart(third);
  // MurmurHash3's finaliser on each lane, so every input bit reaches the bits kept.
  const a = mix(laneA);
  const b = mix(laneB ^ a);
  return (a >>> 11) * 4294967296 + (b >>> 0);
}

function hashPart(part: string): void {
  let a = laneA;
  let b = laneB;
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
  laneA = a;
  laneB = b;
}

/**
 * The line on which each key was first added, by fingerprint, in memory: a hash table in one typed array (open
 * addressing, at most half full; a slot is the fingerprint + 1 and its line side by side, 16 bytes, so a lookup and the
 * insert after it touch one cache line), so a key can be looked up as a file is read. It holds at most `maxKeys` keys —
 * 2¹⁸ by default, an 8 MB table — and is `full` from then on: later keys are not kept, and the caller must learn of
 * their repeats another way. `expected` sizes the table at the start (no rehashing as it fills). Like any fingerprint,
 * a line found for a key may be another key's that collides: the caller confirms what it finds.
 */
export class FirstLines {
  /** Pairs (fingerprint + 1, line); 0 in the first marks an empty slot. */
  private table: Float64Array;
  private size = 0;
  private isFull = false;

  constructor(
    private readonly maxKeys = 1 << 18,
    expected = 0,
  ) {
    let slots = 1024;
    while (slots < 2 * Math.min(expected, maxKeys)) slots *= 2;
    this.table = new Float64Array(2 * slots);
  }

  /** True once `maxKeys` keys are held: add() keeps no more. */
  get full(): boolean {
    return this.isFull;
  }

  get count(): number {
    return this.size;
  }

  /** The line the fingerprint was added with, or -1. */
  lineOf(fingerprint: number): number {
    const i = this.slotOf(fingerprint + 1);
    return this.table[i] === 0 ? -1 : this.table[i + 1]!;
  }

  /**
   * lineOf, and when the fingerprint is not held, add (one walk of the table): the line it was added with before, or -1
   * when it was not held — it is now, unless the table is full.
   */
  lineOrAdd(fingerprint: number, line: number): number {
    if (this.size < this.maxKeys && (this.size + 1) * 4 > this.table.length) this.grow();
    const i = this.slotOf(fingerprint + 1);
    if (this.table[i] !== 0) return this.table[i + 1]!;
    if (this.size >= this.maxKeys) this.isFull = true;
    else this.fill(i, fingerprint + 1, line);
    return -1;
  }

  /** Keeps `fingerprint` → `line` (a fingerprint already held keeps its first line). False once full: nothing was kept. */
  add(fingerprint: number, line: number): boolean {
    if (this.size >= this.maxKeys) {
      this.isFull = true;
      return false;
    }
    if ((this.size + 1) * 4 > this.table.length) this.grow();
    const i = this.slotOf(fingerprint + 1);
    if (this.table[i] === 0) this.fill(i, fingerprint + 1, line);
    return true;
  }

  /** Calls `fn` with each fingerprint held (in no particular order). */
  forEachFingerprint(fn: (fingerprint: number) => void): void {
    const table = this.table;
    for (let i = 0; i < table.length; i += 2) if (table[i] !== 0) fn(table[i]! - 1);
  }

  /** Where `stored` (a fingerprint + 1) is, or the empty slot where it would go: an index into the table (even). */
  private slotOf(stored: number): number {
    const table = this.table;
    const mask = (table.length >> 1) - 1;
    let i = ((stored - 1) >>> 0) & mask;
    for (;;) {
      const value = table[2 * i]!;
      if (value === stored || value === 0) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  private fill(i: number, stored: number, line: number): void {
    this.table[i] = stored;
    this.table[i + 1] = line;
    this.size++;
  }

  private grow(): void {
    const old = this.table;
    this.table = new Float64Array(old.length * 2);
    this.size = 0;
    for (let i = 0; i < old.length; i += 2) if (old[i] !== 0) this.fill(this.slotOf(old[i]!), old[i]!, old[i + 1]!);
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
