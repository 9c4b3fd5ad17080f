#!/usr/bin/python3
"""Independent reference solutions of the allocator's QP, written as a JSON fixture for the engine's vitest.

Run from the repository root with Debian's python (python3-numpy, python3-scipy, python3-cvxopt):

    /usr/bin/python3 bench/reference/allocator_cvxopt.py            # writes the fixture
    /usr/bin/python3 bench/reference/allocator_cvxopt.py --stdout   # prints it instead

The engine (src/main/engine/allocate/allocator.ts) solves

    maximise (w − a)ᵀμ − (γ/2)(w − a)ᵀ(Σ + κ·diag σ²_epi)(w − a) − c·Σ|w − w₀| − Σ ηᵢ(wᵢ − w₀ᵢ)²
    s.t.     Σw = 1 − cashFloor, lo ≤ w ≤ hi, class limits, ½Σ|w − w₀| ≤ turnoverCap,
             √((w − a)ᵀ Σ·(252/h) (w − a)) ≤ TE budget

with its own dual active-set QP: trade directions fixed and checked by multipliers, and the tracking-error
budget met by searching the multiplier of its Lagrangian. This script shares none of that. It states the
problem directly for cvxopt's cone QP solver (primal-dual interior point):
  - variables (w, b, s) with w − b + s = w₀, b, s ≥ 0, so the cost and turnover are linear in b and s;
  - the tracking-error budget as a second-order cone constraint ‖Cᵀ(w − a)‖ ≤ TE, Σ_ann = CCᵀ (Cholesky),
    i.e. the quadratically constrained problem itself, not a fixed multiplier;
  - the same documented rules for bounds (per-asset overrides, no-buy w ≤ w₀, no-sell w ≥ w₀, excluded w = 0,
    untradeable w = w₀ and outside the objective) and the same impact quadratic
    ηᵢ = k·σᵢ·√(V/ADVᵢ) / √max(|aᵢ − w₀ᵢ|, 1 %) (the allocator's documented convex stand-in for
    k·σ·√(V/ADV)·|x|^{3/2}); the exact cost is recomputed at the solution for `expectedCost`.
Cases use seeded numpy covariances with realistic magnitudes (daily vols 1–3 %, 21-day horizon).
cvxopt's answer is then polished to the exact KKT point of the active set it identifies (see polish_kkt).
Output: src/main/engine/allocate/__fixtures__/allocator-cvxopt.json. Deterministic (fixed seeds).
"""

import json
import platform
import sys
from pathlib import Path

import cvxopt
import numpy as np
from cvxopt import matrix, solvers
from scipy.optimize import lsq_linear

REPO = Path(__file__).resolve().parents[2]
OUT = REPO / "src/main/engine/allocate/__fixtures__/allocator-cvxopt.json"
TRADING_DAYS = 252
IMPACT_REFERENCE_TRADE = 0.01

DEFAULT_CONSTRAINTS = {
    "minWeight": 0.0,
    "maxWeight": 0.35,
    "perAsset": {},
    "classLimits": {},
    "turnoverCap": None,
    "minTradeWeight": 0.0,
    "cashFloor": 0.02,
    "noBuy": [],
    "noSell": [],
    "excluded": [],
}


def market(seed, n, horizon=21):
    """A 3-factor daily covariance (vols about 1–3 %), an inverse-vol anchor, a drifted current portfolio."""
    rng = np.random.default_rng(seed)
    loadings = rng.normal(0.0, 0.009, (n, 3))
    specific = rng.uniform(0.006, 0.02, n) ** 2
    daily = loadings @ loadings.T + np.diag(specific)
    vol = np.sqrt(np.diag(daily))
    mu = rng.normal(0.0, 0.012, n)
    epistemic = rng.uniform(0.005, 0.02, n) ** 2
    current = (1 / vol) * np.exp(rng.normal(0.0, 0.25, n))
    return rng, daily, vol, mu, epistemic, current


def limits(problem):
    c = problem["constraints"]
    n = len(problem["tickers"])
    w0 = np.array(problem["current"])
    lo = np.zeros(n)
    hi = np.zeros(n)
    fixed = np.full(n, np.nan)
    investable = problem.get("investable") or [True] * n
    for i, t in enumerate(problem["tickers"]):
        if not investable[i]:
            lo[i] = hi[i] = fixed[i] = w0[i]
            continue
        own = c["perAsset"].get(t, {})
        mn = own.get("min", c["minWeight"])
        mx = own.get("max", c["maxWeight"])
        if t in c["excluded"]:
            mn = mx = 0.0
        if t in c["noBuy"] and w0[i] < mx:
            mx = w0[i]
        if t in c["noSell"] and w0[i] > mn:
            mn = w0[i]
        if mn > mx + 1e-9:
            raise RuntimeError(f"{t}: bounds conflict in a fixture case")
        lo[i], hi[i] = mn, max(mn, mx)
        if hi[i] - lo[i] <= 1e-12:
            fixed[i] = lo[i]
    return lo, hi, fixed, np.array(investable, dtype=bool)


def solve(problem):
    n = len(problem["tickers"])
    c = problem["constraints"]
    costs = problem["costs"]
    w0 = np.array(problem["current"])
    a = np.array(problem["anchor"])
    mu = np.array(problem["expectedReturns"])
    epi = np.array(problem["epistemicVariance"])
    cov = np.array(problem["covariance"])
    h = problem["horizonDays"]
    gamma, kappa = problem["riskAversion"], problem["uncertaintyPenalty"]
    lo, hi, fixed, investable = limits(problem)
    obj = investable
    H = gamma * (cov + kappa * np.diag(epi))
    H[~obj, :] = 0.0
    H[:, ~obj] = 0.0
    mu = np.where(obj, mu, 0.0)
    a_obj = np.where(obj, a, 0.0)
    linear = costs["bpsPerSide"] / 1e4
    alpha = np.zeros(n)
    eta = np.zeros(n)
    if costs["impactCoefficient"] > 0 and "adv" in costs:
        vol = np.array(costs["dailyVolatility"])
        adv = np.array(costs["adv"])
        alpha = np.where(obj, costs["impactCoefficient"] * vol * np.sqrt(costs["portfolioValue"] / adv), 0.0)
        eta = alpha / np.sqrt(np.maximum(np.abs(a - w0), IMPACT_REFERENCE_TRADE))
    trades = linear > 0 or c["turnoverCap"] is not None or np.any(eta > 0)
    free = np.isnan(fixed)

    nv = 3 * n if trades else n
    P = np.zeros((nv, nv))
    q = np.zeros(nv)
    P[:n, :n] = H
    q[:n] = -H @ a_obj - mu
    if trades:
        P[n:2 * n, n:2 * n] = np.diag(2 * eta)
        P[2 * n:, 2 * n:] = np.diag(2 * eta)
        q[n:] = linear

    A_rows, b_rows = [], []
    def row():
        return np.zeros(nv)
    r = row(); r[:n] = 1.0; A_rows.append(r); b_rows.append(1.0 - c["cashFloor"])
    for i in range(n):
        if not free[i]:
            r = row(); r[i] = 1.0; A_rows.append(r); b_rows.append(fixed[i])
            if trades:
                r = row(); r[n + i] = 1.0; A_rows.append(r); b_rows.append(max(0.0, fixed[i] - w0[i]))
                r = row(); r[2 * n + i] = 1.0; A_rows.append(r); b_rows.append(max(0.0, w0[i] - fixed[i]))
        elif trades:
            r = row(); r[i] = 1.0; r[n + i] = -1.0; r[2 * n + i] = 1.0; A_rows.append(r); b_rows.append(w0[i])

    G_rows, h_rows = [], []
    for i in range(n):
        if not free[i]:
            continue
        r = row(); r[i] = -1.0; G_rows.append(r); h_rows.append(-lo[i])
        r = row(); r[i] = 1.0; G_rows.append(r); h_rows.append(hi[i])
        if trades:
            r = row(); r[n + i] = -1.0; G_rows.append(r); h_rows.append(0.0)
            r = row(); r[2 * n + i] = -1.0; G_rows.append(r); h_rows.append(0.0)
    classes = problem.get("assetClasses") or [None] * n
    for name, limit in c["classLimits"].items():
        members = np.array([cl == name for cl in classes], dtype=float)
        if limit.get("max") is not None:
            r = row(); r[:n] = members; G_rows.append(r); h_rows.append(limit["max"])
        if limit.get("min") is not None and limit["min"] > 0:
            r = row(); r[:n] = -members; G_rows.append(r); h_rows.append(-limit["min"])
    if c["turnoverCap"] is not None:
        r = row(); r[n:] = 0.5; G_rows.append(r); h_rows.append(c["turnoverCap"])
    dims = {"l": len(G_rows), "q": [], "s": []}

    te_budget = problem["trackingErrorBudget"]
    if te_budget > 0:
        idx = np.flatnonzero(obj)
        ann = cov[np.ix_(idx, idx)] * TRADING_DAYS / h
        C = np.linalg.cholesky(ann)
        # s = h − Gz ∈ SOC: s₀ = budget, s₁… = Cᵀ(w − a).
        G_rows.append(row()); h_rows.append(te_budget)
        for k in range(len(idx)):
            r = row(); r[idx] = -C[:, k]; G_rows.append(r); h_rows.append(-C[:, k] @ a[idx])
        dims["q"] = [len(idx) + 1]

    # The objective is O(1e-3); scale it so the mean curvature is 1 and the absolute gap tolerance means
    # what it says (the solution is unchanged).
    scale = n / max(np.trace(H), 1e-300)
    solvers.options.update({"show_progress": False, "abstol": 1e-11, "reltol": 1e-11, "feastol": 1e-11,
                            "maxiters": 200, "refinement": 3})
    sol = solvers.coneqp(matrix(P * scale), matrix(q * scale), matrix(np.array(G_rows)), matrix(np.array(h_rows)), dims,
                         matrix(np.array(A_rows)), matrix(np.array(b_rows)))
    if sol["status"] != "optimal":
        gap = sol.get("relative gap")
        # "unknown" = stopped making progress (degenerate legs: an untraded name has b = s = 0 and a zero
        # multiplier). Accept it only where the gap and residuals pin w well below the 1e-6 the tests ask for.
        if not (sol["gap"] < 1e-8 and sol["primal infeasibility"] < 1e-8 and sol["dual infeasibility"] < 1e-7):
            raise RuntimeError(f"{problem['name']}: cvxopt status {sol['status']} gap {sol['gap']} rel {gap} pinf {sol['primal infeasibility']} dinf {sol['dual infeasibility']} it {sol['iterations']}")
    z0 = np.array(sol["x"]).ravel()
    G = np.array(G_rows)
    hv = np.array(h_rows)
    nl = dims["l"]
    cone = None
    if dims["q"]:
        idx = np.flatnonzero(obj)
        cone = (idx, np.linalg.cholesky(cov[np.ix_(idx, idx)] * TRADING_DAYS / h), te_budget)
    z, polish = polish_kkt(P * scale, q * scale, np.array(A_rows), np.array(b_rows), G[:nl], hv[:nl], cone, a, n, z0)
    w = z[:n]
    d = np.where(obj, w - a, 0.0)
    x = np.abs(w - w0)
    cost = float(np.sum(linear * x + alpha * x ** 1.5))
    idx = np.flatnonzero(obj)
    te = float(np.sqrt(d[idx] @ (cov[np.ix_(idx, idx)] * TRADING_DAYS / h) @ d[idx]))
    objective = float(d @ mu - 0.5 * d @ H @ d - cost)
    return {
        "weights": w.tolist(),
        "trackingError": te,
        "turnover": float(0.5 * np.sum(x)),
        "expectedCost": cost,
        "objective": objective,
        "cvxopt": {"status": sol["status"], "iterations": sol["iterations"], "gap": sol["gap"],
                   "primalInfeasibility": sol["primal infeasibility"]},
        "polish": polish,
    }


def polish_kkt(P, q, A, b, G, h, cone, anchor, n, z0):
    """Newton's method on the KKT system of the active set that cvxopt's interior point identifies.

    Interior-point iterates stop about 1e-7 short of the optimum when the problem is degenerate (an untraded
    name has b = s = 0 with a zero multiplier), which is too coarse to test a 1e-6 agreement with margin. With
    the active set fixed the optimality conditions are smooth equations: P z + q + Aᵀλ + G_actᵀμ + ν∇c(z) = 0,
    A z = b, G_act z = h_act and, when the tracking-error cone is tight, c(z) = ½(‖Cᵀ(w − a)‖² − TE²) = 0.
    Least squares handles linearly dependent active constraints. The polished point is kept only if it is
    feasible for every constraint, stationarity holds with inequality multipliers ≥ 0 (bounded least squares,
    scipy), and it stays within 1e-5 of cvxopt's: then it satisfies the KKT conditions, so it is the optimum.
    """
    tol_active = 1e-7
    act = np.flatnonzero(h - G @ z0 < tol_active)
    Ga, ha = G[act], h[act]
    te_active = False
    if cone is not None:
        idx, C, budget = cone
        te_now = np.linalg.norm(C.T @ (z0[idx] - anchor[idx]))
        te_active = budget - te_now < tol_active * budget
    nz = len(z0)

    def c_parts(z):
        idx, C, budget = cone
        S = C @ C.T
        d = z[idx] - anchor[idx]
        grad = np.zeros(nz)
        grad[idx] = S @ d
        hess = np.zeros((nz, nz))
        hess[np.ix_(idx, idx)] = S
        return 0.5 * (d @ S @ d - budget ** 2), grad, hess

    z = z0.copy()
    m_eq, m_act = len(b), len(act)
    size = nz + m_eq + m_act + (1 if te_active else 0)
    lam = np.zeros(size - nz)
    for _ in range(30):
        K = np.zeros((size, size))
        F = np.zeros(size)
        K[:nz, :nz] = P
        K[:nz, nz:nz + m_eq] = A.T
        K[nz:nz + m_eq, :nz] = A
        K[:nz, nz + m_eq:nz + m_eq + m_act] = Ga.T
        K[nz + m_eq:nz + m_eq + m_act, :nz] = Ga
        F[:nz] = P @ z + q + A.T @ lam[:m_eq] + Ga.T @ lam[m_eq:m_eq + m_act]
        F[nz:nz + m_eq] = A @ z - b
        F[nz + m_eq:nz + m_eq + m_act] = Ga @ z - ha
        if te_active:
            cval, grad, hess = c_parts(z)
            nu = lam[-1]
            K[:nz, :nz] += nu * hess
            K[:nz, -1] = grad
            K[-1, :nz] = grad
            F[:nz] += nu * grad
            F[-1] = cval
        if np.max(np.abs(F)) < 1e-15:
            break
        step = np.linalg.lstsq(K, -F, rcond=None)[0]
        z = z + step[:nz]
        lam = lam + step[nz:]
    residual = float(np.max(np.abs(F)))
    feasible = bool(np.all(G @ z - h <= 1e-12) and np.max(np.abs(A @ z - b)) <= 1e-12)
    if cone is not None:
        idx, C, budget = cone
        feasible = feasible and np.linalg.norm(C.T @ (z[idx] - anchor[idx])) <= budget * (1 + 1e-12)
    # Dependent active constraints (a no-buy name at w = w₀ with b = 0) make the least-squares multipliers
    # arbitrary in sign; what optimality needs is that *some* multipliers with μ, ν ≥ 0 satisfy stationarity.
    columns = [A.T, Ga.T] + ([c_parts(z)[1][:, None]] if te_active else [])
    M = np.hstack(columns)
    lower = np.concatenate([np.full(m_eq, -np.inf), np.zeros(M.shape[1] - m_eq)])
    fit = lsq_linear(M, -(P @ z + q), bounds=(lower, np.full(M.shape[1], np.inf)), tol=1e-15, method="bvls")
    stationarity = float(np.max(np.abs(M @ fit.x + P @ z + q)))
    multipliers_ok = stationarity < 1e-11
    close = float(np.max(np.abs(z - z0)))
    ok = bool(feasible and multipliers_ok and close < 1e-5 and residual < 1e-12)
    info = {"applied": ok, "feasible": bool(feasible), "stationarityWithNonNegativeMultipliers": stationarity, "activeInequalities": int(m_act), "trackingErrorActive": bool(te_active),
            "kktResidual": residual, "movedBy": close}
    return (z if ok else z0), info


def make(name, description, seed, n, *, horizon=21, gamma=10.0, kappa=1.0, te=0.0, costs=None, constraints=None,
         classes=None, investable=None, current_cash=0.03, mu_scale=1.0, adjust=None):
    rng, daily, vol, mu, epistemic, raw = market(seed, n, horizon)
    cons = dict(DEFAULT_CONSTRAINTS)
    cons.update(constraints or {})
    tickers = [f"T{i:02d}" for i in range(n)]
    inv_vol = 1 / vol
    anchor = inv_vol / inv_vol.sum() * (1 - cons["cashFloor"])
    current = raw / raw.sum() * (1 - current_cash)
    problem = {
        "name": name,
        "description": description,
        "seed": seed,
        "tickers": tickers,
        "assetClasses": classes(n) if classes else None,
        "current": current.tolist(),
        "anchor": anchor.tolist(),
        "expectedReturns": (mu * mu_scale).tolist(),
        "epistemicVariance": epistemic.tolist(),
        "covariance": (daily * horizon).tolist(),
        "horizonDays": horizon,
        "riskAversion": gamma,
        "uncertaintyPenalty": kappa,
        "trackingErrorBudget": te,
        "costs": {"bpsPerSide": 0.0, "impactCoefficient": 0.0, **(costs or {})},
        "constraints": cons,
        "investable": investable(n) if investable else None,
    }
    if "impactCoefficient" in (costs or {}) and costs["impactCoefficient"] > 0:
        problem["costs"]["dailyVolatility"] = vol.tolist()
        problem["costs"]["adv"] = (rng.uniform(2e6, 5e7, n)).tolist()
        problem["costs"]["portfolioValue"] = 5e8
    if adjust:
        adjust(problem)
    problem["expected"] = solve(problem)
    e = problem["expected"]
    print(f"{name}: TE {e['trackingError']:.4f}, turnover {e['turnover']:.4f}, cost {e['expectedCost']:.2e}, "
          f"cvxopt {e['cvxopt']['status']} in {e['cvxopt']['iterations']} iterations", file=sys.stderr)
    return problem


def two_classes(n):
    return ["equity" if i % 3 else "bond" for i in range(n)]


def cases():
    def restricted(p):
        c = p["constraints"]
        w0 = p["current"]
        c["noBuy"] = ["T01", "T04"]
        c["noSell"] = ["T02"]
        c["excluded"] = ["T03"]
        c["perAsset"] = {"T05": {"min": 0.05}, "T06": {"max": 0.04}}
        assert w0[3] > 0

    return [
        make("plain-tilt", "8 assets, no costs, box bounds 0–35 %", seed=1, n=8),
        make("linear-costs", "10 assets, 10 bps per side from a drifted portfolio", seed=2, n=10,
             costs={"bpsPerSide": 10.0}),
        make("turnover-cap", "10 assets, 5 bps, one-way turnover capped at 10 %", seed=3, n=10,
             costs={"bpsPerSide": 5.0}, constraints={"turnoverCap": 0.10}, current_cash=0.05),
        make("class-caps", "12 assets, equity ≤ 55 %, bond ≥ 35 %, 20 % max weight, 4 % cash floor", seed=4, n=12,
             classes=two_classes, constraints={"maxWeight": 0.2, "cashFloor": 0.04,
                                               "classLimits": {"equity": {"max": 0.55}, "bond": {"min": 0.35}}},
             costs={"bpsPerSide": 5.0}),
        make("te-budget", "12 assets, 5 bps, 2 % annual tracking-error budget (binding)", seed=5, n=12,
             te=0.02, costs={"bpsPerSide": 5.0}, mu_scale=2.0),
        make("restricted-lists", "10 assets: no-buy T01 T04, no-sell T02, excluded T03 (held), T05 min 5 %, T06 max 4 %",
             seed=6, n=10, costs={"bpsPerSide": 5.0}, adjust=restricted),
        make("impact", "10 assets, 5 bps + square-root impact (k = 0.5, ADV 2–50 M, V = 500 M), TE 2 % (binding)", seed=7, n=10,
             te=0.02, costs={"bpsPerSide": 5.0, "impactCoefficient": 0.5}, mu_scale=1.5),
        make("everything-30", "30 assets: classes, min 0.5 %, max 8 %, turnover 12 %, TE 2 %, restricted, one untradeable",
             seed=8, n=30, te=0.02, classes=two_classes, kappa=2.0,
             costs={"bpsPerSide": 8.0},
             constraints={"minWeight": 0.005, "maxWeight": 0.08, "turnoverCap": 0.12,
                          "classLimits": {"equity": {"max": 0.65}, "bond": {"min": 0.25}},
                          "noBuy": ["T07"], "noSell": ["T08"], "excluded": ["T09"]},
             investable=lambda n: [i != 11 for i in range(n)], mu_scale=1.5),
    ]


def main():
    fixture = {
        "producedBy": {
            "script": "bench/reference/allocator_cvxopt.py",
            "python": platform.python_version(),
            "numpy": np.__version__,
            "cvxopt": cvxopt.__version__,
            "solver": "cvxopt.solvers.coneqp (tracking-error budget as a second-order cone)",
        },
        "cases": cases(),
    }
    text = json.dumps(fixture, indent=1) + "\n"
    if "--stdout" in sys.argv:
        sys.stdout.write(text)
    else:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(text)
        print(f"wrote {OUT.relative_to(REPO)}", file=sys.stderr)


if __name__ == "__main__":
    main()
