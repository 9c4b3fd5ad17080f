#!/usr/bin/python3
"""Optuna's TPE sampler as a reference for bench/bo.bench.ts, driven over stdin/stdout so the objective,
its noise and the regret are computed once, in TypeScript, for every method alike.

Requires Debian python3-optuna (`apt-get install -y python3-optuna`); run with /usr/bin/python3. The bench
starts it itself; by hand:

    /usr/bin/python3 bench/reference/optuna_tpe.py --version

Protocol: one JSON object per line.
  in  {"cmd": "start", "dimension": d, "lower": [...], "upper": [...], "seed": s, "multivariate": bool}
  in  {"cmd": "ask"}                       out {"x": [...]}
  in  {"cmd": "tell", "value": v}
  in  {"cmd": "quit"}
Every reply is a single line; errors are {"error": "..."} and end the process with status 1.

Sampler: optuna.samplers.TPESampler(seed=s) with Optuna's defaults (10 random start-up trials, 24 EI
candidates), and with multivariate=True when asked (Falkner et al. 2018's joint Parzen estimator, which
Optuna recommends for correlated parameters). Parameters are floats x0 … x{d−1} on the problem's box.
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
    for line in sys.stdin:
        message = json.loads(line)
        cmd = message.get("cmd")
        if cmd == "start":
            sampler = optuna.samplers.TPESampler(seed=int(message["seed"]), multivariate=bool(message.get("multivariate")))
            study = optuna.create_study(direction="minimize", sampler=sampler)
            distributions = {
                f"x{i}": optuna.distributions.FloatDistribution(lo, hi)
                for i, (lo, hi) in enumerate(zip(message["lower"], message["upper"]))
            }
            print(json.dumps({"ok": True}), flush=True)
        elif cmd == "ask":
            trial = study.ask(distributions)
            x = [trial.params[f"x{i}"] for i in range(len(distributions))]
            print(json.dumps({"x": x}), flush=True)
        elif cmd == "tell":
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
