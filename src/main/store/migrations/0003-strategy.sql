-- 0003-strategy: the store side of the Bayesian strategy (issue 7).
--
-- * indicators / indicator_values: series that are not tradeable — a VIX level, a credit spread, the
--   13-week T-bill yield — imported from CSV and read by the strategy as shared model inputs ('input')
--   or as the rate cash earns ('cash-rate'). Values are REAL observations like prices, but unlike prices
--   they may be zero or negative (a yield-curve slope, a T-bill yield in March 2020). At most one series
--   is the cash rate, so "what does cash earn" has one answer; a rate must be in percent or a fraction
--   (a 'level' has no meaning as a yield).
-- * model_runs: one walk-forward training of the forecast model over one universe with one config and
--   seed. `config_key` (sha256 of the canonical config + seed + ordered universe) finds the run to reuse
--   or resume; `data_fingerprint` (see PricesRepo.fingerprint) is that of the prices the run trained on,
--   so a restated history is noticed and forces a full retrain, while appended prices only extend it.
--   `checkpoint` holds the serialised model and walk-forward state, written together with each block of
--   forecasts (ModelRunsRepo.saveBlock) so a resumed run never has forecasts its checkpoint has not seen.
-- * forecasts: per run, forecast date and security, the predictive of the log return over `horizon`
--   trading days (fractions; variances in the same units squared). A missing row means "no forecast".
-- * breaker_events: the circuit breaker's transitions per account, and PM overrides (which apply to one
--   proposal only). Append-only, like the audit log: they are the record of why exposure was cut.
-- * proposals.model_run_id: the model run a Bayesian proposal's forecasts came from; NULL for the
--   baseline and for every proposal made before this migration. Covered by the immutability trigger.
--
-- The migration runner wraps this file in one transaction and sets user_version; do not add
-- BEGIN/COMMIT or PRAGMA user_version here.

CREATE TABLE indicators (
  id          INTEGER PRIMARY KEY,
  -- Upper case like a ticker: 'VIX', 'TBILL-13W', 'TERM_SPREAD', '^IRX'.
  name        TEXT NOT NULL UNIQUE
              CHECK (length(name) BETWEEN 1 AND 32 AND name GLOB '[A-Z0-9^]*' AND name NOT GLOB '*[^A-Z0-9.^=_/-]*'),
  description TEXT,
  unit        TEXT NOT NULL CHECK (unit IN ('percent', 'level', 'fraction')),
  role        TEXT NOT NULL DEFAULT 'input' CHECK (role IN ('input', 'cash-rate')),
  created_at  TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  CHECK (role <> 'cash-rate' OR unit IN ('percent', 'fraction'))
) STRICT;

-- One cash rate at most.
CREATE UNIQUE INDEX indicators_one_cash_rate ON indicators (role) WHERE role = 'cash-rate';

-- Clustered by (indicator, date): aligning a series onto a calendar is one range scan.
CREATE TABLE indicator_values (
  indicator_id INTEGER NOT NULL REFERENCES indicators (id),
  date         TEXT NOT NULL CHECK (date IS date(date)),
  -- Finite: ±Inf is refused (NaN binds as NULL and is refused by NOT NULL).
  value        REAL NOT NULL CHECK (value BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  PRIMARY KEY (indicator_id, date)
) STRICT, WITHOUT ROWID;

CREATE TABLE model_runs (
  id                 INTEGER PRIMARY KEY,
  kind               TEXT NOT NULL CHECK (kind IN ('bnn-walk-forward')),
  config             TEXT NOT NULL CHECK (json_valid(config) AND json_type(config) = 'object'),
  config_key         TEXT NOT NULL CHECK (length(config_key) = 64 AND config_key NOT GLOB '*[^0-9a-f]*'),
  -- The ordered universe: forecast columns follow this order.
  tickers            TEXT NOT NULL CHECK (json_valid(tickers) AND json_type(tickers) = 'array' AND json_array_length(tickers) >= 1),
  seed               INTEGER NOT NULL,
  data_from          TEXT NOT NULL CHECK (data_from IS date(data_from)),
  -- Last price date the run has seen.
  data_to            TEXT NOT NULL CHECK (data_to IS date(data_to) AND data_to >= data_from),
  -- Last date whose realised target (the return over the horizon that ends there) was trained on.
  trained_through    TEXT CHECK (trained_through IS NULL OR (trained_through IS date(trained_through) AND trained_through <= data_to)),
  last_forecast_date TEXT CHECK (last_forecast_date IS NULL OR (last_forecast_date IS date(last_forecast_date) AND last_forecast_date <= data_to)),
  data_fingerprint   TEXT NOT NULL CHECK (length(data_fingerprint) = 64 AND data_fingerprint NOT GLOB '*[^0-9a-f]*'),
  status             TEXT NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'complete', 'cancelled', 'failed')),
  metrics            TEXT CHECK (metrics IS NULL OR (json_valid(metrics) AND json_type(metrics) = 'object')),
  checkpoint         BLOB,
  backend            TEXT NOT NULL CHECK (length(backend) > 0),
  code_version       TEXT NOT NULL CHECK (length(code_version) > 0),
  created_at         TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  updated_at         TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

-- "The newest run for this config" (resume or reuse) is one index probe.
CREATE INDEX model_runs_config ON model_runs (config_key, id);

CREATE TABLE forecasts (
  model_run_id  INTEGER NOT NULL REFERENCES model_runs (id),
  date          TEXT NOT NULL CHECK (date IS date(date)),
  security_id   INTEGER NOT NULL REFERENCES securities (id),
  horizon       INTEGER NOT NULL CHECK (horizon >= 1),
  -- NOT NULL also refuses NaN (bound as NULL); the bounds refuse ±Inf.
  mean          REAL NOT NULL CHECK (mean BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  epistemic_var REAL NOT NULL CHECK (epistemic_var >= 0 AND epistemic_var <= 1.7976931348623157e308),
  aleatoric_var REAL NOT NULL CHECK (aleatoric_var >= 0 AND aleatoric_var <= 1.7976931348623157e308),
  lower50       REAL NOT NULL CHECK (lower50 BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  upper50       REAL NOT NULL CHECK (upper50 BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  lower90       REAL NOT NULL CHECK (lower90 BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  upper90       REAL NOT NULL CHECK (upper90 BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  -- Only the ordering inside each interval is enforced: nested intervals come from a numerical quantile
  -- solve, and a 1e-12 inversion between them must not abort a long training run.
  CHECK (lower50 <= upper50 AND lower90 <= upper90),
  PRIMARY KEY (model_run_id, date, security_id)
) STRICT, WITHOUT ROWID;

CREATE TABLE breaker_events (
  id          INTEGER PRIMARY KEY,
  account_id  TEXT NOT NULL REFERENCES accounts (id),
  -- The decision date the state applies from.
  date        TEXT NOT NULL CHECK (date IS date(date)),
  from_state  TEXT NOT NULL CHECK (from_state IN ('NORMAL', 'CAUTION', 'DE_RISKED')),
  to_state    TEXT NOT NULL CHECK (to_state IN ('NORMAL', 'CAUTION', 'DE_RISKED')),
  -- The certainty score on that date; NULL when there was none (too little forecast history).
  certainty   REAL CHECK (certainty IS NULL OR certainty BETWEEN -1.7976931348623157e308 AND 1.7976931348623157e308),
  reason      TEXT NOT NULL CHECK (length(trim(reason)) >= 3),
  kind        TEXT NOT NULL CHECK (kind IN ('model', 'override')),
  actor       TEXT NOT NULL CHECK (length(trim(actor)) > 0),
  proposal_id INTEGER REFERENCES proposals (id),
  created_at  TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  -- The model records changes of state; an override names the state the PM chose over the model's.
  CHECK (kind = 'override' OR from_state <> to_state),
  -- An override exists for one proposal.
  CHECK (kind = 'model' OR proposal_id IS NOT NULL)
) STRICT;

-- An account's history in date order, and its latest state, are one range scan.
CREATE INDEX breaker_events_account_date ON breaker_events (account_id, date, id);
CREATE INDEX breaker_events_proposal ON breaker_events (proposal_id) WHERE proposal_id IS NOT NULL;

CREATE TRIGGER breaker_events_no_update BEFORE UPDATE ON breaker_events
BEGIN
  SELECT RAISE(ABORT, 'breaker_events are append-only');
END;

CREATE TRIGGER breaker_events_no_delete BEFORE DELETE ON breaker_events
BEGIN
  SELECT RAISE(ABORT, 'breaker_events are append-only');
END;

ALTER TABLE proposals ADD COLUMN model_run_id INTEGER REFERENCES model_runs (id);

CREATE INDEX proposals_model_run ON proposals (model_run_id) WHERE model_run_id IS NOT NULL;

-- The new column is part of what a proposal records, so it is immutable like the rest.
DROP TRIGGER proposals_immutable;
CREATE TRIGGER proposals_immutable
BEFORE UPDATE OF id, account_id, engine, engine_label, parameters, seed, code_version, data_from, data_to,
  as_of, positions_as_of, snapshot_id, total_value, payload, turnover, created_at, model_run_id ON proposals
BEGIN
  SELECT RAISE(ABORT, 'proposals are immutable: only status may change');
END;
