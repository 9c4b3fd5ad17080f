#!/usr/bin/python3
"""Optuna's TPE sampler as a reference for bench/bo.bench.ts (test functions) and bench/tune.bench.ts (the
strategy's θ), driven over stdin/stdout so the objective, its noise and every score are computed once, in
TypeScript, for every method alike.

Requires Debian python3-optuna (`apt-get install -y python3-optuna`); run with /usr/bin/python3. The benches
start it themselves; by hand:

    /usr/bin/python3 bench/reference/optuna_tpe.py --version

Protocol: one JSON object per line.
  in  {"cmd": "start", "seed": s, "multivariate": bool, "direction": "minimize"|"maximize" (default minimize),
       and either "lower": [...], "upper": [...]      (a box: floats x0 … x{d−1}; asks answer {"x": [...]})
       or "params": [{"name": n, "type": "float"|"int", "low": a, "high": b, "log": bool}, ...]
                                                      (named parameters; asks answer {"params": {name: value}})}
  in  {"cmd": "ask"}
  in  {"cmd": "tell", "value": v}
  in  {"cmd": "tell", "failed": true}                 (an infeasible point: the trial is marked FAIL)
  in  {"cmd": "quit"}
Every reply is a single line; errors are {"error": "..."} and end the process with status 1.

Sampler: optuna.samplers.TPESampler(seed=s) with Optuna's defaults (10 random start-up trials, 24 EI
candidates), and with multivariate=True when asked (Falkner et al. 2018's joint Parzen estimator, which
Optuna recommends for correlated parameters). Integer parameters are IntDistribution, log-scale ones log=True.
"""

import json
import sys
import warnings


def main() -> int:
    try:
        import optuna
    except ImportError as error:  # the bench reports TPE as unavailable with this reason
        print(json.dumps({"error": f"optuna is not installed: {error}"}), flush=True)
        return 1
    if "--version" in sys.argv:
        print(json.dumps({"optuna": optuna.__version__, "python": sys.version.split()[0]}), flush=True)
        return 0
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    # multivariate=True is flagged experimental in Optuna 3.x; the warning would only clutter the bench log.
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    study = None
    trial = None
    distributions = {}
    named = False
    for line in sys.stdin:
        message = json.loads(line)
        cmd = message.get("cmd")
        if cmd == "start":
            sampler = optuna.samplers.TPESampler(seed=int(message["seed"]), multivariate=bool(message.get("multivariate")))
            study = optuna.create_study(direction=message.get("direction", "minimize"), sampler=sampler)
            named = "params" in message
            if named:
                distributions = {
                    p["name"]: (optuna.distributions.IntDistribution(int(p["low"]), int(p["high"]), log=bool(p.get("log")))
                                if p["type"] == "int"
                                else optuna.distributions.FloatDistribution(float(p["low"]), float(p["high"]), log=bool(p.get("log"))))
                    for p in message["params"]
                }
            else:
                distributions = {
                    f"x{i}": optuna.distributions.FloatDistribution(lo, hi)
                    for i, (lo, hi) in enumerate(zip(message["lower"], message["upper"]))
                }
            print(json.dumps({"ok": True}), flush=True)
        elif cmd == "ask":
            trial = study.ask(distributions)
            if named:
                print(json.dumps({"params": trial.params}), flush=True)
            else:
                print(json.dumps({"x": [trial.params[f"x{i}"] for i in range(len(distributions))]}), flush=True)
        elif cmd == "tell":
            if message.get("failed"):
                study.tell(trial, state=optuna.trial.TrialState.FAIL)
            else:
                study.tell(trial, float(message["value"]))
            trial = None
            print(json.dumps({"ok": True}), flush=True)
        elif cmd == "quit":
            return 0
        else:
            print(json.dumps({"error": f"unknown command {cmd!r}"}), flush=True)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
