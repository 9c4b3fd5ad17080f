#!/usr/bin/python3
"""Reference Gaussian-process results from scikit-learn, written as a JSON fixture for the engine's vitest.

Run from the repository root with Debian's python (python3-sklearn, python3-numpy):

    /usr/bin/python3 bench/reference/gp_sklearn.py            # writes the fixture
    /usr/bin/python3 bench/reference/gp_sklearn.py --stdout   # prints it instead (bench/gp.bench.ts)

Output: src/main/engine/gp/__fixtures__/gp-sklearn.json. Deterministic: fixed seeds, no timestamps.

For every dataset (1-D and 3-D) and kernel (RBF, Matern nu=1.5, Matern nu=2.5):
  fixed   — GaussianProcessRegressor(kernel=ConstantKernel(s2, "fixed") * K(l, "fixed"), alpha=noise,
            optimizer=None, normalize_y=False): latent posterior mean, variance (return_std: alpha is not
            part of the kernel, so the variance is of f without noise), full covariance (return_cov), and
            the log marginal likelihood. The gradient of the LML in log-hyperparameters comes from the same
            model written as C * K + WhiteKernel(noise) with alpha=0 (same K, so the same LML).
  fitted  — C * K + WhiteKernel with the engine's default search box (defaultHyperparameterBounds in
            src/main/engine/gp/fit.ts, recomputed here), alpha=0, 5 optimizer restarts, random_state=0:
            scikit-learn's fitted LML, which the engine's fit must reach (within 1e-3) or beat.
Hyperparameter vectors are in the engine's order: lengthscales…, signal variance, noise variance.
"""

import json
import platform
import sys
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import RBF, ConstantKernel, Matern, WhiteKernel

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "src/main/engine/gp/__fixtures__/gp-sklearn.json"
SEED = 20240601
KERNELS = {"rbf": None, "matern32": 1.5, "matern52": 2.5}


def base_kernel(name, lengthscales, bounds):
    nu = KERNELS[name]
    if nu is None:
        return RBF(length_scale=lengthscales, length_scale_bounds=bounds)
    return Matern(length_scale=lengthscales, length_scale_bounds=bounds, nu=nu)


def sine_1d():
    rng = np.random.default_rng(SEED)
    x = np.sort(rng.uniform(0.0, 5.0, size=20))[:, None]
    y = np.sin(3.0 * x[:, 0]) + 0.3 * x[:, 0] + 0.1 * rng.standard_normal(20)
    xstar = np.linspace(-0.5, 5.5, 15)[:, None]
    return {
        "name": "sine-1d-n20",
        "description": f"default_rng({SEED}): x ~ U(0, 5), y = sin(3x) + 0.3x + N(0, 0.1²); 15 test points on [-0.5, 5.5]",
        "X": x,
        "y": y,
        "Xstar": xstar,
        "fixed": {"lengthscales": [0.7], "signalVariance": 1.3, "noiseVariance": 0.01},
    }


def hartmann3(x):
    alpha = np.array([1.0, 1.2, 3.0, 3.2])
    a = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
    p = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470], [1091, 8732, 5547], [381, 5743, 8828]])
    return -np.sum(alpha * np.exp(-np.sum(a * (x[:, None, :] - p) ** 2, axis=2)), axis=1)


def hartmann_3d():
    rng = np.random.default_rng(SEED + 1)
    x = rng.uniform(0.0, 1.0, size=(60, 3))
    y = hartmann3(x) + 0.05 * rng.standard_normal(60)
    xstar = rng.uniform(-0.1, 1.1, size=(20, 3))
    return {
        "name": "hartmann3-3d-n60",
        "description": f"default_rng({SEED + 1}): x ~ U[0,1]^3, y = Hartmann-3 + N(0, 0.05²); 20 test points in [-0.1, 1.1]^3",
        "X": x,
        "y": y,
        "Xstar": xstar,
        "fixed": {"lengthscales": [0.25, 0.4, 0.6], "signalVariance": 1.2, "noiseVariance": 0.004},
    }


def default_bounds(x, y):
    """Mirror of defaultHyperparameterBounds: box scaled by input spans and the output variance (ddof 0)."""
    spans = np.ptp(x, axis=0)
    spans = np.where(spans > 0, spans, 1.0)
    var = float(np.var(y))
    var = var if var > 0 else 1.0
    return {
        "lengthscale": [[1e-3 * s, 1e3 * s] for s in spans],
        "signalVariance": [1e-6 * var, 1e6 * var],
        "noiseVariance": [1e-6 * var, 10 * var],
        "start": {"lengthscales": (0.5 * spans).tolist(), "signalVariance": var, "noiseVariance": 0.01 * var},
    }


def fixed_case(data, kernel_name):
    hp = data["fixed"]
    ls = np.array(hp["lengthscales"])
    kernel = ConstantKernel(hp["signalVariance"], "fixed") * base_kernel(kernel_name, ls, "fixed")
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=hp["noiseVariance"], optimizer=None, normalize_y=False)
    gpr.fit(data["X"], data["y"])
    mean, std = gpr.predict(data["Xstar"], return_std=True)
    _, cov = gpr.predict(data["Xstar"], return_cov=True)

    white = ConstantKernel(hp["signalVariance"]) * base_kernel(kernel_name, ls, (1e-5, 1e5)) + WhiteKernel(hp["noiseVariance"])
    gpr_white = GaussianProcessRegressor(kernel=white, alpha=0.0, optimizer=None, normalize_y=False)
    gpr_white.fit(data["X"], data["y"])
    lml_white, grad = gpr_white.log_marginal_likelihood(gpr_white.kernel_.theta, eval_gradient=True)
    d = data["X"].shape[1]
    # sklearn orders theta as [log s2, log l_1..d, log noise]; the engine as [log l…, log s2, log noise].
    gradient = list(grad[1 : 1 + d]) + [grad[0], grad[1 + d]]
    return {
        "hyperparameters": hp,
        "mean": mean.tolist(),
        "variance": (std**2).tolist(),
        "covariance": cov.tolist(),
        "logMarginalLikelihood": float(gpr.log_marginal_likelihood_value_),
        "logMarginalLikelihoodWhiteKernel": float(lml_white),
        "logMarginalLikelihoodGradient": [float(g) for g in gradient],
    }


def fitted_case(data, kernel_name):
    bounds = default_bounds(data["X"], data["y"])
    start = bounds["start"]
    kernel = ConstantKernel(start["signalVariance"], tuple(bounds["signalVariance"])) * base_kernel(
        kernel_name, np.array(start["lengthscales"]), [tuple(b) for b in bounds["lengthscale"]]
    ) + WhiteKernel(start["noiseVariance"], tuple(bounds["noiseVariance"]))
    gpr = GaussianProcessRegressor(kernel=kernel, alpha=0.0, normalize_y=False, n_restarts_optimizer=5, random_state=0)
    gpr.fit(data["X"], data["y"])
    k = gpr.kernel_
    d = data["X"].shape[1]
    ls = np.atleast_1d(k.k1.k2.length_scale).astype(float)
    return {
        "bounds": {key: bounds[key] for key in ("lengthscale", "signalVariance", "noiseVariance")},
        "restarts": 5,
        "logMarginalLikelihood": float(gpr.log_marginal_likelihood_value_),
        "hyperparameters": {
            "lengthscales": (ls if ls.size == d else np.repeat(ls, d)).tolist(),
            "signalVariance": float(k.k1.k1.constant_value),
            "noiseVariance": float(k.k2.noise_level),
        },
    }


def main():
    cases = []
    for data in (sine_1d(), hartmann_3d()):
        for kernel_name in KERNELS:
            cases.append(
                {
                    "name": f"{data['name']}-{kernel_name}",
                    "dataset": data["name"],
                    "description": data["description"],
                    "kernel": kernel_name,
                    "X": data["X"].tolist(),
                    "y": data["y"].tolist(),
                    "Xstar": data["Xstar"].tolist(),
                    "fixed": fixed_case(data, kernel_name),
                    "fitted": fitted_case(data, kernel_name),
                }
            )
    fixture = {
        "producedBy": {
            "script": "bench/reference/gp_sklearn.py",
            "command": "/usr/bin/python3 bench/reference/gp_sklearn.py",
            "function": "sklearn.gaussian_process.GaussianProcessRegressor (ConstantKernel * RBF/Matern [+ WhiteKernel])",
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
            "scipy": scipy.__version__,
            "python": platform.python_version(),
        },
        "cases": cases,
    }
    text = json.dumps(fixture, separators=(",", ":"))
    if "--stdout" in sys.argv[1:]:
        sys.stdout.write(text + "\n")
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text + "\n")
        print(f"wrote {OUT.relative_to(REPO)} ({len(cases)} cases)")


if __name__ == "__main__":
    main()
