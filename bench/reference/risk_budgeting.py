#!/usr/bin/python3
"""Independent reference risk-budgeting weights, written as a JSON fixture for the engine's vitest.

Run from the repository root with Debian's python (python3-numpy, python3-scipy):

    /usr/bin/python3 bench/reference/risk_budgeting.py

The engine uses Newton's method on Spinu's (2013) convex problem. This script uses two different
algorithms and insists they agree before writing anything:
  1. cyclical coordinate descent of Griveau-Billion, Richard & Roncalli (2013), "A fast algorithm for
     computing high-dimensional risk parity portfolios" (arXiv:1311.4057): each coordinate of
     min ½ yᵀΣy − Σ b_i ln y_i is solved in closed form, y_i = (−c_i + √(c_i² + 4 Σ_ii b_i)) / (2 Σ_ii),
     c_i = Σ_{j≠i} Σ_ij y_j;
  2. scipy.optimize.root (MINPACK hybrd) on the first-order system y ∘ (Σy) − b = 0.
Cases: the 4-asset example of Maillard, Roncalli & Teiletche (2010) and a non-block variant of it, a
seeded random covariance with
random budgets, and the scikit-learn Ledoit-Wolf covariance of the ETF case in ledoit-wolf-sklearn.json.
Output: src/main/engine/__fixtures__/risk-budgeting-reference.json. Deterministic (fixed seeds).
"""

import json
import platform
from pathlib import Path

import numpy as np
import scipy
from scipy.optimize import root

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "src/main/engine/__fixtures__"
OUT = FIXTURES / "risk-budgeting-reference.json"


def coordinate_descent(cov, budgets, tolerance=1e-15, max_sweeps=100_000):
    n = len(budgets)
    y = 1.0 / np.sqrt(np.diag(cov))
    for sweep in range(1, max_sweeps + 1):
        for i in range(n):
            c = cov[i] @ y - cov[i, i] * y[i]
            y[i] = (-c + np.sqrt(c * c + 4.0 * cov[i, i] * budgets[i])) / (2.0 * cov[i, i])
        residual = np.max(np.abs(y * (cov @ y) - budgets) / budgets)
        if residual < tolerance:
            return y / y.sum(), sweep
    raise RuntimeError(f"coordinate descent did not converge (residual {residual:.3e})")


def root_finding(cov, budgets):
    # Solve on the correlation scale so MINPACK's default tolerances are meaningful.
    vol = np.sqrt(np.diag(cov))
    corr = cov / np.outer(vol, vol)
    start = np.sqrt(budgets) / np.sqrt(np.sqrt(budgets) @ corr @ np.sqrt(budgets))
    solution = root(lambda z: z * (corr @ z) - budgets, start, jac=lambda z: np.diag(corr @ z) + corr * z[:, None],
                    tol=1e-15)
    # At tol=1e-15 MINPACK may report "no further improvement possible"; judge it by the residual instead.
    residual = np.max(np.abs(solution.x * (corr @ solution.x) - budgets) / budgets)
    if residual > 1e-13:
        raise RuntimeError(f"scipy root failed: {solution.message} (residual {residual:.3e})")
    y = solution.x / vol
    return y / y.sum()


def risk_contributions(cov, weights):
    parts = weights * (cov @ weights)
    return parts / parts.sum()


def case(name, description, cov, budgets, **extra):
    cov = np.asarray(cov, dtype=float)
    budgets = np.asarray(budgets, dtype=float)
    budgets = budgets / budgets.sum()
    weights, sweeps = coordinate_descent(cov, budgets)
    check = root_finding(cov, budgets)
    disagreement = float(np.max(np.abs(weights - check) / weights))
    if disagreement > 1e-11:
        raise RuntimeError(f"{name}: coordinate descent and scipy root disagree by {disagreement:.3e}")
    rc = risk_contributions(cov, weights)
    entry = {
        "name": name,
        "description": description,
        "covariance": cov.tolist(),
        "budgets": budgets.tolist(),
        "expected": {
            "weights": weights.tolist(),
            "riskContributions": rc.tolist(),
            "coordinateDescentSweeps": sweeps,
            "maxRelativeDisagreementWithScipyRoot": disagreement,
        },
    }
    entry.update(extra)
    print(f"{name}: weights {np.array2string(weights, precision=6)} "
          f"(CCD {sweeps} sweeps, scipy disagreement {disagreement:.1e})")
    return entry


def four_asset_case(name, description, corr, **extra):
    vol = np.array([0.10, 0.20, 0.30, 0.40])
    return case(name, description, np.outer(vol, vol) * np.array(corr), np.ones(4), **extra)


def maillard_case():
    # The paper's correlation matrix is block diagonal: rho12 = 0.8, rho34 = -0.5, every other pair 0.
    return four_asset_case(
        "maillard-2010-4-assets",
        "Maillard, Roncalli & Teiletche (2010), J. Portfolio Management 36(4), ERC example: "
        "vol (10%, 20%, 30%, 40%), rho12=0.8, rho34=-0.5, other correlations 0",
        [[1.0, 0.8, 0.0, 0.0], [0.8, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, -0.5], [0.0, 0.0, -0.5, 1.0]],
        published={"weights": [0.384, 0.192, 0.243, 0.181], "rounding": 0.001},
    )


def non_block_case():
    # A variant that is not block diagonal (rho23 = -0.5, rho34 = 0.5), so no closed form applies.
    return four_asset_case(
        "four-assets-chain-correlation",
        "vol (10%, 20%, 30%, 40%), rho12=0.8, rho23=-0.5, rho34=0.5, other correlations 0",
        [[1.0, 0.8, 0.0, 0.0], [0.8, 1.0, -0.5, 0.0], [0.0, -0.5, 1.0, 0.5], [0.0, 0.0, 0.5, 1.0]],
    )


def random_case(seed, n):
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n, 3))
    cov = factors @ factors.T * 0.02 + np.diag(rng.uniform(0.01, 0.09, n))
    budgets = rng.uniform(0.2, 1.0, n)
    return case(f"random-n{n}-budgets", f"numpy default_rng({seed}): 3-factor covariance, random budgets",
                cov, budgets, seed=seed)


def etf_case():
    lw = json.loads((FIXTURES / "ledoit-wolf-sklearn.json").read_text())
    etf = next(c for c in lw["cases"] if c["name"] == "etf-daily-6")
    cov = np.array(etf["expected"]["covariance"])
    return case("etf-daily-6-erc", "equal risk contribution on the sklearn Ledoit-Wolf covariance of "
                f"{', '.join(etf['tickers'])} (daily returns, ledoit-wolf-sklearn.json)", cov,
                np.ones(len(etf["tickers"])), tickers=etf["tickers"])


def main():
    cases = [maillard_case(), non_block_case(), random_case(seed=11, n=8), etf_case()]
    fixture = {
        "producedBy": {
            "script": "bench/reference/risk_budgeting.py",
            "command": "/usr/bin/python3 bench/reference/risk_budgeting.py",
            "methods": "cyclical coordinate descent (Griveau-Billion et al. 2013), cross-checked against "
                       "scipy.optimize.root (hybr) to 1e-11 relative",
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "cases": cases,
    }
    OUT.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
