#!/usr/bin/python3
"""Optuna's TPE sampler as a reference for bench/tune.bench.ts (tuning the strategy's θ), driven over stdin/stdout
so every search is scored by the same TypeScript backtests on the same folds.

Requires Debian python3-optuna; run with /usr/bin/python3. The bench starts it itself; by hand:

    /usr/bin/python3 bench/reference/optuna_tpe_tune.py --version

Protocol: one JSON object per line.
  in  {"cmd": "start", "seed": s, "multivariate": bool,
       "params": [{"name": n, "type": "float"|"int", "low": a, "high": b, "log": bool}, ...]}
  in  {"cmd": "ask"}                          out {"params": {name: value, ...}}
  in  {"cmd": "tell", "value": v}             (maximised)
  in  {"cmd": "tell", "failed": true}         (an infeasible θ: the trial is marked FAIL)
  in  {"cmd": "quit"}
Every reply is a single line; errors are {"error": "..."} and end the process with status 1.

Sampler: optuna.samplers.TPESampler(seed=s) with Optuna's defaults (10 random start-up trials, 24 EI candidates),
multivariate when asked. Integer parameters are IntDistribution, log-scale ones log=True, as the θ space defines them.
"""

import json
import sys
import warnings


def main() -> int:
    try:
        import optuna
    except ImportError as error:
        print(json.dumps({"error": f"optuna is not installed: {error}"}), flush=True)
        return 1
    if "--version" in sys.argv:
        print(json.dumps({"optuna": optuna.__version__, "python": sys.version.split()[0]}), flush=True)
        return 0
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)

    study = None
    trial = None
    distributions = {}
    for line in sys.stdin:
        message = json.loads(line)
        cmd = message.get("cmd")
        if cmd == "start":
            sampler = optuna.samplers.TPESampler(seed=int(message["seed"]), multivariate=bool(message.get("multivariate")))
            study = optuna.create_study(direction="maximize", sampler=sampler)
            distributions = {}
            for p in message["params"]:
                if p["type"] == "int":
                    distributions[p["name"]] = optuna.distributions.IntDistribution(int(p["low"]), int(p["high"]), log=bool(p.get("log")))
                else:
                    distributions[p["name"]] = optuna.distributions.FloatDistribution(float(p["low"]), float(p["high"]), log=bool(p.get("log")))
            print(json.dumps({"ok": True}), flush=True)
        elif cmd == "ask":
            trial = study.ask(distributions)
            print(json.dumps({"params": trial.params}), flush=True)
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
