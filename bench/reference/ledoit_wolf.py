#!/usr/bin/python3
"""Reference Ledoit-Wolf estimates from scikit-learn, written as a JSON fixture for the engine's vitest.

Run from the repository root with Debian's python (python3-sklearn, python3-numpy):

    /usr/bin/python3 bench/reference/ledoit_wolf.py [path/to/etf_adjclose_core13.csv]

The default CSV path is ../shared/data/multiasset_etf_daily/etf_adjclose_core13.csv (outside the repo, so
the inputs each case needs are copied into the fixture and the test never reads the data set).
Output: src/main/engine/__fixtures__/ledoit-wolf-sklearn.json. Deterministic: no timestamps, fixed seeds.
"""

import csv
import hashlib
import json
import platform
import sys
from pathlib import Path

import numpy as np
import sklearn
from sklearn.covariance import empirical_covariance, ledoit_wolf

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "src/main/engine/__fixtures__/ledoit-wolf-sklearn.json"
DEFAULT_CSV = REPO.parent / "shared/data/multiasset_etf_daily/etf_adjclose_core13.csv"
ETF_TICKERS = ["SPY", "EFA", "EEM", "IEF", "GLD", "VNQ"]
ETF_PRICE_ROWS = 251  # 250 daily returns, about one trading year


def estimate(returns):
    covariance, shrinkage = ledoit_wolf(returns)
    return {
        "expected": {
            "covariance": covariance.tolist(),
            "shrinkage": float(shrinkage),
            "mean": returns.mean(axis=0).tolist(),
            "sampleCovariance": empirical_covariance(returns).tolist(),
        }
    }


def random_case(name, seed, n, p, scale):
    rng = np.random.default_rng(seed)
    # Correlated columns with unequal variances, so the target (scaled identity) is genuinely wrong and the
    # intensity is strictly between 0 and 1.
    mixing = rng.standard_normal((p, p)) * 0.5 + np.eye(p)
    vols = scale * (1.0 + np.arange(p) / p)
    returns = (rng.standard_normal((n, p)) @ mixing) * vols + 0.0005
    case = {
        "name": name,
        "description": f"numpy default_rng({seed}): {n} observations of {p} correlated gaussian series",
        "seed": seed,
        "returns": returns.tolist(),
    }
    case.update(estimate(returns))
    return case


def etf_case(csv_path):
    with open(csv_path, newline="") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    columns = [header.index(t) for t in ETF_TICKERS]
    window = body[-ETF_PRICE_ROWS:]
    dates = [r[0] for r in window]
    prices = np.array([[float(r[c]) for c in columns] for r in window])
    # Same operation order as simpleReturns in returns.ts: divide, then subtract one.
    returns = prices[1:] / prices[:-1] - 1.0
    case = {
        "name": "etf-daily-6",
        "description": f"{len(returns)} daily simple returns of {', '.join(ETF_TICKERS)} "
        f"({dates[0]} to {dates[-1]}), adjusted closes from multiasset_etf_daily/{Path(csv_path).name}",
        "tickers": ETF_TICKERS,
        "dates": dates,
        "prices": prices.tolist(),
        "returns": returns.tolist(),
        "source": {
            "file": f"multiasset_etf_daily/{Path(csv_path).name}",
            "sha256": hashlib.sha256(Path(csv_path).read_bytes()).hexdigest(),
        },
    }
    case.update(estimate(returns))
    return case


def main():
    csv_path = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_CSV
    cases = [
        random_case("random-n120-p5", seed=20240601, n=120, p=5, scale=0.01),
        # More assets than observations: the sample covariance is singular, shrinkage carries the estimate.
        random_case("random-n30-p40", seed=7, n=30, p=40, scale=0.02),
        etf_case(csv_path),
    ]
    fixture = {
        "producedBy": {
            "script": "bench/reference/ledoit_wolf.py",
            "command": "/usr/bin/python3 bench/reference/ledoit_wolf.py",
            "function": "sklearn.covariance.ledoit_wolf (assume_centered=False)",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
        "cases": cases,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(fixture, separators=(",", ":")) + "\n")
    for case in cases:
        print(f"{case['name']}: shrinkage {case['expected']['shrinkage']:.6f}")
    print(f"wrote {OUT.relative_to(REPO)}")


if __name__ == "__main__":
    main()
