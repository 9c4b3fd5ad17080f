/**
 * Types for `quadprog` (npm, MIT), a JavaScript port of Turlach's Fortran QUADPROG (the R package): the dual
 * active-set method of Goldfarb & Idnani (1983) for strictly convex QPs
 *
 *   minimise ½ xᵀ D x − dᵀ x   subject to   Aᵀ x ≥ b₀, the first `meq` rows as equalities.
 *
 * The package ships no types. Every array is 1-indexed like the Fortran original (index 0 unused):
 * `Dmat[i][j]` for i, j in 1..n, `Amat[i][k]` is variable i's coefficient in constraint k (so A is n × q,
 * constraints are columns). The solver overwrites `Dmat`, `dvec`, `Amat` and `bvec`; pass fresh arrays.
 */
declare module 'quadprog' {
  export interface QuadprogResult {
    /** 1-indexed solution (absent when the input was rejected before solving). */
    solution?: number[];
    /** 1-indexed Lagrange multipliers, one per constraint. */
    Lagrangian?: number[];
    /** value[1] = ½ xᵀDx − dᵀx at the solution. */
    value?: number[];
    /** iterations[1]: constraints added; iterations[2]: constraints dropped after being added. */
    iterations?: number[];
    /** 1-indexed active constraint indices (0 past the last). */
    iact?: number[];
    /** '' on success; otherwise e.g. 'constraints are inconsistent, no solution!' or
     *  'matrix D in quadratic function is not positive definite!'. */
    message: string;
  }

  export function solveQP(
    Dmat: number[][],
    dvec: number[],
    Amat: number[][],
    bvec: number[],
    meq?: number,
    factorized?: number[],
  ): QuadprogResult;
}
