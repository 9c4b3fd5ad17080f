#!/usr/bin/python3
"""Why Bayesian optimisation stops at about two runs in three on Hartmann-6 at 50 evaluations (issue 8), measured
with independent tools: SciPy and scikit-learn, nothing from Ballast.

1. Basins of attraction: L-BFGS-B (scipy.optimize.minimize) from uniform random points of the unit cube; each
   start is counted by the minimum it ends in. The share that drains to the global minimum (−3.32) bounds what
   a search gets that descends, once, from the best point of a space-filling design.
2. Optional (--gp-ei N): a textbook GP-EI run N times on random seeds for comparison with Ballast's optimiser —
   scikit-learn's GaussianProcessRegressor (Matérn-5/2 with one lengthscale per input, a constant and a
   white-noise term, normalised outputs, 2 restarts of the hyperparameter fit), a 13-point scrambled Sobol
   design (Ballast's design size for 6 inputs), EI maximised by L-BFGS-B from the 8 best of 2048 random points.
   Slow (≈ 20 s a run): it is evidence for a note, not a benchmark column.
3. Optional (--local-descents N): how fast standard derivative-free local methods descend from the best point of a
   13-point random design — SciPy's COBYLA (trust region on linear models, start radius 0.1 and 0.2), Powell and
   Nelder–Mead, 60 evaluations each, N designs. Reaching 80 % below 0.05 at 50 evaluations needs a second descent
   after the first; if one descent took ~10 evaluations there would be room. The table says whether any of them
   is faster than the GP's own ≈ 20 model steps.
4. Optional (--best-of 1,6,20,50 [--trials T]): the minimum that the best of N uniform points (by value) drains to,
   for each N — whether seeing more of the cube before committing to its best point picks the global basin more often.

    /usr/bin/python3 bench/reference/hartmann6_study.py [--starts 2000] [--gp-ei 30] [--local-descents 300]
        [--best-of 1,6,12,20,30,50,100 [--trials 1000]] [--seed 1]

Prints one JSON document. Requirements (Debian): python3-scipy, python3-sklearn.
"""

import argparse
import json
import sys
import warnings

import numpy as np
from scipy.optimize import minimize
from scipy.stats import norm, qmc

ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
A = np.array(
    [
        [10, 3, 17, 3.5, 1.7, 8],
        [0.05, 10, 17, 0.1, 8, 14],
        [3, 3.5, 1.7, 10, 17, 8],
        [17, 8, 0.05, 10, 0.1, 14],
    ]
)
P = 1e-4 * np.array(
    [
        [1312, 1696, 5569, 124, 8283, 5886],
        [2329, 4135, 8307, 3736, 1004, 9991],
        [2348, 1451, 3522, 2883, 3047, 6650],
        [4047, 8828, 8732, 5743, 1091, 381],
    ]
)
OPTIMUM = -3.32237
BOX = [(0.0, 1.0)] * 6


def hartmann6(x: np.ndarray) -> float:
    return float(-np.sum(ALPHA * np.exp(-np.sum(A * (x - P) ** 2, axis=1))))


def basins(starts: int, rng: np.random.Generator) -> dict:
    ends: dict[str, int] = {}
    visible = {"global": 0, "other": 0}
    for _ in range(starts):
        x = rng.random(6)
        end = minimize(hartmann6, x, bounds=BOX, method="L-BFGS-B")
        key = f"{end.fun:.2f}"
        ends[key] = ends.get(key, 0) + 1
        # "Visible": a start whose own value already stands out from the flat background (f < −0.3).
        if hartmann6(x) < -0.3:
            visible["global" if end.fun < OPTIMUM + 0.01 else "other"] += 1
    return {
        "starts": starts,
        "shareByMinimum": {k: v / starts for k, v in sorted(ends.items())},
        "shareBelowMinus03ByBasin": {k: v / starts for k, v in visible.items()},
    }


def best_of(sizes: list[int], trials: int, rng: np.random.Generator) -> dict:
    """For N uniform points, the minimum their best point (by value) drains to: what a search that commits to the
    best point it has seen gets, as it sees more of the cube before committing."""
    out: dict = {"trials": trials, "shareGlobalBySize": {}}
    for n in sizes:
        hits = 0
        for _ in range(trials):
            X = rng.random((n, 6))
            start = X[int(np.argmin([hartmann6(x) for x in X]))]
            hits += minimize(hartmann6, start, bounds=BOX, method="L-BFGS-B").fun < OPTIMUM + 0.01
        out["shareGlobalBySize"][str(n)] = hits / trials
    return out


def gp_ei_run(seed: int, budget: int = 50, design: int = 13) -> dict:
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

    rng = np.random.default_rng(seed)
    X = list(qmc.Sobol(6, scramble=True, seed=rng).random(16)[:design])
    Y = [hartmann6(x) for x in X]
    while len(Y) < budget:
        kernel = ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(6, 0.5), (0.01, 100), nu=2.5) + WhiteKernel(1e-6, (1e-9, 1e-2))
        gp = GaussianProcessRegressor(kernel, normalize_y=True, n_restarts_optimizer=2, random_state=int(rng.integers(2**31)))
        gp.fit(np.array(X), np.array(Y))
        best = min(Y)

        def negative_ei(points: np.ndarray) -> np.ndarray:
            mean, sd = gp.predict(points.reshape(-1, 6), return_std=True)
            sd = np.maximum(sd, 1e-12)
            z = (best - mean) / sd
            return -(sd * (z * norm.cdf(z) + norm.pdf(z)))

        candidates = rng.random((2048, 6))
        scores = negative_ei(candidates)
        chosen, chosen_score = None, np.inf
        for i in np.argsort(scores)[:8]:
            local = minimize(lambda x: negative_ei(x)[0], candidates[i], bounds=BOX, method="L-BFGS-B")
            if local.fun < chosen_score:
                chosen, chosen_score = local.x, local.fun
        X.append(chosen)
        Y.append(hartmann6(chosen))
    return {"seed": seed, "regret": min(Y) - OPTIMUM}


def local_descents(designs: int, rng: np.random.Generator, design: int = 13, budget: int = 60) -> dict:
    methods = {
        "cobyla-0.1": lambda g, x0: minimize(g, x0, method="COBYLA", options={"rhobeg": 0.1, "maxiter": budget}),
        "cobyla-0.2": lambda g, x0: minimize(g, x0, method="COBYLA", options={"rhobeg": 0.2, "maxiter": budget}),
        "powell": lambda g, x0: minimize(g, x0, method="Powell", bounds=BOX, options={"maxfev": budget}),
        "nelder-mead": lambda g, x0: minimize(g, x0, method="Nelder-Mead", options={"maxfev": budget}),
    }
    starts = []
    for _ in range(designs):
        X = rng.random((design, 6))
        starts.append(X[int(np.argmin([hartmann6(x) for x in X]))])
    out: dict = {"designs": designs, "designPoints": design, "localEvaluations": budget}
    for name, run in methods.items():
        hits = []
        for x0 in starts:
            trace: list[float] = []

            def g(x: np.ndarray) -> float:
                # COBYLA and Nelder–Mead take no bounds: they see the box through a clip.
                value = hartmann6(np.clip(x, 0.0, 1.0))
                trace.append(value)
                return value

            run(g, x0.copy())
            below = np.nonzero(np.minimum.accumulate(trace) < OPTIMUM + 0.05)[0]
            hits.append(int(below[0]) + 1 if below.size else None)
        reached = np.array([h for h in hits if h is not None])
        out[name] = {
            "shareBelow005Within": {str(k): float(np.sum(reached <= k) / designs) for k in (10, 15, 20, 25, 30, 37, budget)},
            "evaluationsToBelow005Quartiles": [float(q) for q in np.quantile(reached, [0.25, 0.5, 0.75])] if reached.size else None,
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=2000)
    parser.add_argument("--gp-ei", type=int, default=0, help="runs of the scikit-learn GP-EI (0: none)")
    parser.add_argument("--local-descents", type=int, default=0, help="designs to descend from with SciPy's local methods (0: none)")
    parser.add_argument("--best-of", default="", help="comma-separated sizes N: the basin of the best of N uniform points (empty: none)")
    parser.add_argument("--trials", type=int, default=1000, help="draws per size for --best-of")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    rng = np.random.default_rng(args.seed)
    out: dict = {"basins": basins(args.starts, rng)}
    if args.gp_ei > 0:
        seeds = [int(s) for s in rng.integers(1, 2**31, size=args.gp_ei)]
        runs = []
        for s in seeds:
            runs.append(gp_ei_run(s))
            print(json.dumps(runs[-1]), file=sys.stderr, flush=True)
        regrets = np.array([r["regret"] for r in runs])
        out["gpEiSklearn"] = {
            "evaluations": 50,
            "runs": len(runs),
            "quartiles": [float(q) for q in np.quantile(regrets, [0.25, 0.5, 0.75])],
            "shareBelow001": float(np.mean(regrets < 0.01)),
            "shareBelow005": float(np.mean(regrets < 0.05)),
            "bySeed": {r["seed"]: r["regret"] for r in runs},
        }
    if args.local_descents > 0:
        out["localDescents"] = local_descents(args.local_descents, rng)
    if args.best_of:
        out["bestOf"] = best_of([int(n) for n in args.best_of.split(",")], args.trials, rng)
    import scipy
    import sklearn

    out["producedBy"] = {"script": "bench/reference/hartmann6_study.py", "scipy": scipy.__version__, "sklearn": sklearn.__version__, "seed": args.seed}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
