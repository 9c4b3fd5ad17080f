/**
 * Dense float64 linear algebra for the small problems the engine solves (tens of assets, hundreds of
 * observations). Row-major storage in one Float64Array keeps the data contiguous and transferable to a
 * worker without copying element by element.
 */

export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  /** Row-major: element (i, j) lives at data[i * cols + j]. */
  readonly data: Float64Array;
}

export function zeros(rows: number, cols: number): Matrix {
  assertDimension(rows, 'rows');
  assertDimension(cols, 'cols');
  return { rows, cols, data: new Float64Array(rows * cols) };
}

export function identity(n: number): Matrix {
  const m = zeros(n, n);
  for (let i = 0; i < n; i++) m.data[i * n + i] = 1;
  return m;
}

/** Wraps existing row-major data; the array is used as is, not copied. */
export function matrixFromData(rows: number, cols: number, data: Float64Array): Matrix {
  assertDimension(rows, 'rows');
  assertDimension(cols, 'cols');
  if (data.length !== rows * cols) {
    throw new Error(`matrix data has ${data.length} values, expected ${rows} × ${cols} = ${rows * cols}`);
  }
  return { rows, cols, data };
}

export function matrixFromRows(values: readonly (readonly number[])[]): Matrix {
  const rows = values.length;
  const cols = rows === 0 ? 0 : values[0]!.length;
  const m = zeros(rows, cols);
  for (let i = 0; i < rows; i++) {
    const row = values[i]!;
    if (row.length !== cols) throw new Error(`row ${i} has ${row.length} values, expected ${cols}`);
    for (let j = 0; j < cols; j++) m.data[i * cols + j] = row[j]!;
  }
  return m;
}

export function toRows(m: Matrix): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < m.rows; i++) out.push(Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
  return out;
}

export function get(m: Matrix, i: number, j: number): number {
  return m.data[i * m.cols + j]!;
}

export function column(m: Matrix, j: number): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) out[i] = m.data[i * m.cols + j]!;
  return out;
}

/** The last `count` rows, copied. */
export function lastRows(m: Matrix, count: number): Matrix {
  if (count < 0 || count > m.rows) throw new Error(`cannot take ${count} rows from a matrix with ${m.rows}`);
  return matrixFromData(count, m.cols, m.data.slice((m.rows - count) * m.cols));
}

export function transpose(m: Matrix): Matrix {
  const t = zeros(m.cols, m.rows);
  for (let i = 0; i < m.rows; i++) {
    for (let j = 0; j < m.cols; j++) t.data[j * m.rows + i] = m.data[i * m.cols + j]!;
  }
  return t;
}

export function matmul(a: Matrix, b: Matrix): Matrix {
  if (a.cols !== b.rows) throw new Error(`cannot multiply ${a.rows}×${a.cols} by ${b.rows}×${b.cols}`);
  const c = zeros(a.rows, b.cols);
  // i-k-j order walks both b and c along rows, which is what row-major storage rewards.
  for (let i = 0; i < a.rows; i++) {
    for (let k = 0; k < a.cols; k++) {
      const aik = a.data[i * a.cols + k]!;
      if (aik === 0) continue;
      const bRow = k * b.cols;
      const cRow = i * c.cols;
      for (let j = 0; j < b.cols; j++) c.data[cRow + j] = c.data[cRow + j]! + aik * b.data[bRow + j]!;
    }
  }
  return c;
}

export function matvec(a: Matrix, x: Float64Array): Float64Array {
  if (a.cols !== x.length) throw new Error(`cannot multiply ${a.rows}×${a.cols} by a vector of ${x.length}`);
  const y = new Float64Array(a.rows);
  for (let i = 0; i < a.rows; i++) {
    let sum = 0;
    const row = i * a.cols;
    for (let j = 0; j < a.cols; j++) sum += a.data[row + j]! * x[j]!;
    y[i] = sum;
  }
  return y;
}

export function dot(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) throw new Error(`cannot take the dot product of vectors of ${x.length} and ${y.length}`);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += x[i]! * y[i]!;
  return sum;
}

/** xᵀ A x */
export function quadraticForm(a: Matrix, x: Float64Array): number {
  return dot(x, matvec(a, x));
}

export function sum(x: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]!;
  return s;
}

export function diagonal(m: Matrix): Float64Array {
  const n = Math.min(m.rows, m.cols);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = m.data[i * m.cols + i]!;
  return d;
}

export function isSymmetric(m: Matrix, relativeTolerance = 1e-12): boolean {
  if (m.rows !== m.cols) return false;
  let scale = 0;
  for (let k = 0; k < m.data.length; k++) scale = Math.max(scale, Math.abs(m.data[k]!));
  const allowed = relativeTolerance * scale;
  for (let i = 0; i < m.rows; i++) {
    for (let j = i + 1; j < m.cols; j++) {
      if (Math.abs(m.data[i * m.cols + j]! - m.data[j * m.cols + i]!) > allowed) return false;
    }
  }
  return true;
}

export type CholeskyFailureReason = 'not-square' | 'not-symmetric' | 'not-finite' | 'not-positive-definite';

/**
 * "Not positive definite" is an expected state of real covariance estimates (collinear assets, too little
 * history), so it is a value the caller inspects rather than an exception (the ml-matrix habit).
 */
export type CholeskyResult =
  | { ok: true; L: Matrix }
  | { ok: false; reason: CholeskyFailureReason; message: string; pivotIndex?: number };

/** A = L Lᵀ with L lower triangular. Reads the lower triangle after checking symmetry. */
export function cholesky(a: Matrix): CholeskyResult {
  if (a.rows !== a.cols) {
    return { ok: false, reason: 'not-square', message: `matrix is ${a.rows}×${a.cols}, not square` };
  }
  for (let k = 0; k < a.data.length; k++) {
    if (!Number.isFinite(a.data[k]!)) {
      return { ok: false, reason: 'not-finite', message: 'matrix has a value that is not a finite number' };
    }
  }
  if (!isSymmetric(a)) return { ok: false, reason: 'not-symmetric', message: 'matrix is not symmetric' };
  const n = a.rows;
  const L = zeros(n, n);
  const l = L.data;
  for (let j = 0; j < n; j++) {
    let pivot = a.data[j * n + j]!;
    for (let k = 0; k < j; k++) pivot -= l[j * n + k]! * l[j * n + k]!;
    // A zero pivot is as fatal as a negative one: the factor would divide by it.
    if (!(pivot > 0)) {
      return {
        ok: false,
        reason: 'not-positive-definite',
        message: `matrix is not positive definite (pivot ${j} is ${pivot})`,
        pivotIndex: j,
      };
    }
    const ljj = Math.sqrt(pivot);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let s = a.data[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = s / ljj;
    }
  }
  return { ok: true, L };
}

/** Solves (L Lᵀ) x = b given the Cholesky factor L. */
export function choleskySolve(L: Matrix, b: Float64Array): Float64Array {
  const n = L.rows;
  if (b.length !== n) throw new Error(`right-hand side has ${b.length} values, expected ${n}`);
  const l = L.data;
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

function assertDimension(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`matrix ${what} must be a non-negative integer, got ${n}`);
}
