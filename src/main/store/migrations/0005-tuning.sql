-- 0005-tuning: tuning runs of the strategy's parameters θ (issue 8).
--
-- * tuning_runs: one Bayesian-optimisation run over θ for one account's universe — what was asked (the whole
--   parsed input, space, priors, outcome constraints, seed, budget, batch), what it ran on (tickers in order,
--   the stored forecasts' model run, the validation folds and the test window), where it warm-started from,
--   and the state of its searches (`state`: one saved tuner per search — 'bayesian' and, when the run
--   compares, 'random' and 'grid' — written with each batch, so a killed run resumes where it stopped). At
--   the end: the recommended θ (`best`), its objective on the test window (`test_value`), the comparison
--   table and the parameter importance. A PM accepts a complete run explicitly (accepted_at/by/reason; the
--   action is audited); proposals then use the θ of the account's latest accepted run.
-- * tuning_observations: every evaluation of every search of a run — the searched values, the objective per
--   validation fold and their mean (`validation`, NULL when infeasible), whether the outcome constraints held
--   (and why not, in words), where the point came from, how long it took, and the backtest metrics per fold.
--   A batch's observations and the new tuner state are written in one transaction.
-- * While a run is 'running', the process that runs it (owner_pid on owner_host) and when it last showed it was
--   alive (heartbeat_at: at the start, at a resume, and with every committed batch). A run whose process was
--   killed stays 'running' in the table; a reader reports it 'interrupted' — its owner is not alive on this host,
--   or, owned on another host, it has not committed a batch for a long while — and a resume takes it over. A run
--   that stops (complete, cancelled, failed) has no owner.
--
-- The migration runner wraps this file in one transaction and sets user_version; do not add
-- BEGIN/COMMIT or PRAGMA user_version here.

CREATE TABLE tuning_runs (
  id               INTEGER PRIMARY KEY,
  account_id       TEXT NOT NULL REFERENCES accounts (id),
  status           TEXT NOT NULL CHECK (status IN ('running', 'complete', 'cancelled', 'failed')),
  objective        TEXT NOT NULL CHECK (objective IN ('sharpe', 'sortino', 'calmar', 'utility')),
  budget           INTEGER NOT NULL CHECK (budget >= 1),
  batch            INTEGER NOT NULL CHECK (batch >= 1),
  seed             INTEGER NOT NULL,
  -- The whole parsed TuningRunInput (a resume re-reads it; nothing else is needed to continue the run).
  input            TEXT NOT NULL CHECK (json_valid(input) AND json_type(input) = 'object'),
  space            TEXT NOT NULL CHECK (json_valid(space) AND json_type(space) = 'array' AND json_array_length(space) >= 1),
  priors           TEXT NOT NULL CHECK (json_valid(priors) AND json_type(priors) = 'object'),
  constraints      TEXT NOT NULL CHECK (json_valid(constraints) AND json_type(constraints) = 'array'),
  -- θ fixed for everything not searched.
  base_theta       TEXT NOT NULL CHECK (json_valid(base_theta) AND json_type(base_theta) = 'object'),
  tickers          TEXT NOT NULL CHECK (json_valid(tickers) AND json_type(tickers) = 'array' AND json_array_length(tickers) >= 1),
  folds            TEXT NOT NULL CHECK (json_valid(folds) AND json_type(folds) = 'array' AND json_array_length(folds) >= 1),
  test_window      TEXT NOT NULL CHECK (json_valid(test_window) AND json_type(test_window) = 'object'),
  model_run_id     INTEGER REFERENCES model_runs (id),
  warm_start_from  INTEGER REFERENCES tuning_runs (id),
  -- { "<search>": tuner state } as of the last committed batch.
  state            TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(state) AND json_type(state) = 'object'),
  best             TEXT CHECK (best IS NULL OR (json_valid(best) AND json_type(best) = 'object')),
  test_value       REAL,
  comparison       TEXT CHECK (comparison IS NULL OR (json_valid(comparison) AND json_type(comparison) = 'object')),
  importance       TEXT CHECK (importance IS NULL OR (json_valid(importance) AND json_type(importance) = 'array')),
  error            TEXT,
  owner_pid        INTEGER CHECK (owner_pid IS NULL OR owner_pid > 0),
  owner_host       TEXT CHECK (owner_host IS NULL OR length(owner_host) > 0),
  heartbeat_at     TEXT CHECK (heartbeat_at IS NULL OR heartbeat_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  created_at       TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  updated_at       TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  finished_at      TEXT CHECK (finished_at IS NULL OR finished_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  accepted_at      TEXT CHECK (accepted_at IS NULL OR accepted_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  accepted_by      TEXT,
  accept_reason    TEXT,
  -- Only a complete run with a (feasible) best point can be accepted, and an acceptance names who.
  CHECK (accepted_at IS NULL OR (status = 'complete' AND best IS NOT NULL AND accepted_by IS NOT NULL AND length(trim(accepted_by)) > 0)),
  CHECK ((accepted_at IS NULL) = (accepted_by IS NULL)),
  CHECK (status <> 'complete' OR finished_at IS NOT NULL),
  -- A running run has an owner (process, host and heartbeat, all three); a stopped one has none.
  CHECK ((owner_pid IS NULL) = (owner_host IS NULL) AND (owner_pid IS NULL) = (heartbeat_at IS NULL)),
  CHECK ((status = 'running') = (owner_pid IS NOT NULL))
) STRICT;

-- The account's runs newest first (list, warm start), and its latest accepted run (proposals).
CREATE INDEX tuning_runs_account ON tuning_runs (account_id, id);
CREATE INDEX tuning_runs_accepted ON tuning_runs (account_id, accepted_at) WHERE accepted_at IS NOT NULL;

CREATE TABLE tuning_observations (
  run_id      INTEGER NOT NULL REFERENCES tuning_runs (id),
  search      TEXT NOT NULL CHECK (search IN ('bayesian', 'random', 'grid')),
  idx         INTEGER NOT NULL CHECK (idx >= 0),
  -- The searched parameters' values by θ path.
  theta       TEXT NOT NULL CHECK (json_valid(theta) AND json_type(theta) = 'object'),
  -- Objective per validation fold (NULL where a fold failed).
  folds       TEXT NOT NULL CHECK (json_valid(folds) AND json_type(folds) = 'array'),
  validation  REAL,
  feasible    INTEGER NOT NULL CHECK (feasible IN (0, 1)),
  reason      TEXT,
  source      TEXT NOT NULL CHECK (source IN ('design', 'model', 'feasibility', 'warm-start', 'random', 'grid', 'external')),
  seconds     REAL NOT NULL CHECK (seconds >= 0),
  -- Backtest metrics per fold (NULL entries where a fold failed).
  metrics     TEXT NOT NULL CHECK (json_valid(metrics) AND json_type(metrics) = 'array'),
  -- A feasible evaluation has a value; an infeasible one has none, and says why.
  CHECK ((feasible = 1 AND validation IS NOT NULL) OR (feasible = 0 AND validation IS NULL AND reason IS NOT NULL)),
  PRIMARY KEY (run_id, search, idx)
) STRICT, WITHOUT ROWID;

-- Evaluations are a record: written once, never edited or removed (a resumed run only adds the batches it did not commit).
CREATE TRIGGER tuning_observations_no_update BEFORE UPDATE ON tuning_observations
BEGIN
  SELECT RAISE(ABORT, 'tuning observations are append-only');
END;
CREATE TRIGGER tuning_observations_no_delete BEFORE DELETE ON tuning_observations
BEGIN
  SELECT RAISE(ABORT, 'tuning observations are append-only');
END;
