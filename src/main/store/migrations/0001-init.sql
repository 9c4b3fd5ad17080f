-- 0001-init: the first Ballast schema.
--
-- Representation (see also src/main/store/README.md):
--   * Exact quantities and money (cash, quantity, position price, market value, cost basis, total value,
--     notional) are TEXT holding a plain decimal string: optional '-', digits without leading zeros,
--     optional '.' followed by at least one digit — the same grammar as `DecimalString` in
--     src/shared/domain.ts. No exponent, no grouping, no spaces. SQLite has no decimal type, and REAL
--     would round 0.1; integer minor units would need a per-currency scale and break on fractional
--     shares. The CHECK constraints below spell that grammar out with GLOB so a stray float
--     ('1.0e+20'), an empty string or '1,000' is refused by the database itself, not only by the app.
--     Arithmetic on these values happens in the app with big.js, never in SQL.
--   * Market-history prices (prices.close/adj_close, proposal_trades.price) are float64 observations
--     (REAL): they feed the engine's float64 maths and are not money owed to anyone.
--   * Dates are TEXT 'YYYY-MM-DD' checked with `x IS date(x)`, which also rejects 2024-02-30.
--     Timestamps are TEXT UTC ISO-8601 with a trailing 'Z'. Both sort correctly as text.
--   * JSON columns are TEXT checked with json_valid().
--   * Tables are STRICT so a value of the wrong storage class is an error instead of being coerced.
--
-- The migration runner wraps this file in one transaction and sets user_version; do not add
-- BEGIN/COMMIT or PRAGMA user_version here.

CREATE TABLE settings (
  key   TEXT PRIMARY KEY NOT NULL CHECK (length(key) > 0),
  value TEXT NOT NULL
) STRICT;

CREATE TABLE securities (
  id          INTEGER PRIMARY KEY,
  ticker      TEXT NOT NULL UNIQUE CHECK (length(ticker) BETWEEN 1 AND 32 AND ticker NOT GLOB '*[^!-~]*'),
  isin        TEXT CHECK (isin IS NULL OR isin GLOB '[A-Z][A-Z][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][A-Z0-9][0-9]'),
  cusip       TEXT CHECK (cusip IS NULL OR (length(cusip) = 9 AND cusip NOT GLOB '*[^A-Z0-9*@#]*')),
  sedol       TEXT CHECK (sedol IS NULL OR (length(sedol) = 7 AND sedol NOT GLOB '*[^A-Z0-9]*')),
  figi        TEXT CHECK (figi IS NULL OR (length(figi) = 12 AND figi NOT GLOB '*[^A-Z0-9]*')),
  name        TEXT NOT NULL,
  asset_class TEXT NOT NULL CHECK (asset_class IN ('equity', 'fixed_income', 'commodity', 'real_estate', 'cash', 'other')),
  currency    TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  lot_size    INTEGER NOT NULL DEFAULT 1 CHECK (lot_size >= 1)
) STRICT;

-- Identifiers are not unique across listings (one ISIN can trade under several tickers), so these are
-- plain lookups, partial because most rows lack one identifier or another.
CREATE INDEX securities_isin ON securities (isin) WHERE isin IS NOT NULL;
CREATE INDEX securities_cusip ON securities (cusip) WHERE cusip IS NOT NULL;
CREATE INDEX securities_sedol ON securities (sedol) WHERE sedol IS NOT NULL;
CREATE INDEX securities_figi ON securities (figi) WHERE figi IS NOT NULL;

CREATE TABLE accounts (
  id            TEXT PRIMARY KEY NOT NULL
                CHECK (length(id) BETWEEN 1 AND 64 AND id GLOB '[A-Za-z0-9]*' AND id NOT GLOB '*[^A-Za-z0-9._-]*'),
  name          TEXT NOT NULL,
  base_currency TEXT NOT NULL CHECK (base_currency GLOB '[A-Z][A-Z][A-Z]'),
  created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

CREATE TABLE imports (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('prices', 'positions')),
  file_name  TEXT NOT NULL CHECK (length(file_name) > 0),
  -- One file is imported once: re-importing the same bytes is answered from this row.
  sha256     TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  format     TEXT NOT NULL,
  rows       INTEGER NOT NULL CHECK (rows >= 0),
  status     TEXT NOT NULL CHECK (status IN ('imported', 'rejected')),
  account_id TEXT REFERENCES accounts (id),
  report     TEXT CHECK (report IS NULL OR json_valid(report)),
  created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  -- Position files belong to an account; price files do not.
  CHECK ((kind = 'positions') = (account_id IS NOT NULL))
) STRICT;

-- Clustered by (security, date): a security's history is one contiguous range scan.
CREATE TABLE prices (
  security_id INTEGER NOT NULL REFERENCES securities (id),
  date        TEXT NOT NULL CHECK (date IS date(date)),
  close       REAL NOT NULL CHECK (close > 0),
  adj_close   REAL CHECK (adj_close IS NULL OR adj_close > 0),
  volume      INTEGER CHECK (volume IS NULL OR volume >= 0),
  import_id   INTEGER REFERENCES imports (id),
  PRIMARY KEY (security_id, date)
) STRICT, WITHOUT ROWID;

CREATE INDEX prices_date ON prices (date);

CREATE TABLE position_snapshots (
  id            INTEGER PRIMARY KEY,
  account_id    TEXT NOT NULL REFERENCES accounts (id),
  as_of         TEXT NOT NULL CHECK (as_of IS date(as_of)),
  import_id     INTEGER REFERENCES imports (id),
  cash          TEXT NOT NULL DEFAULT '0'
  CHECK (cash NOT GLOB '*[^0-9.-]*'
      AND substr(cash, 1 + (cash GLOB '-*')) GLOB '[0-9]*'
      AND substr(cash, 1 + (cash GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(cash, 2) NOT GLOB '*-*'
      AND cash NOT GLOB '*.*.*'
      AND cash NOT GLOB '*.'),
  -- A later file for the same account and date replaces this one; the old rows stay for the record.
  -- Deferred because the repository points the old snapshot at the new one before inserting it.
  superseded_by INTEGER REFERENCES position_snapshots (id) DEFERRABLE INITIALLY DEFERRED,
  created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  CHECK (superseded_by IS NULL OR superseded_by <> id)
) STRICT;

-- At most one live snapshot per account and date; also the index for "latest snapshot on or before".
CREATE UNIQUE INDEX position_snapshots_live ON position_snapshots (account_id, as_of) WHERE superseded_by IS NULL;

CREATE TABLE positions (
  snapshot_id  INTEGER NOT NULL REFERENCES position_snapshots (id),
  security_id  INTEGER NOT NULL REFERENCES securities (id),
  quantity     TEXT NOT NULL
  CHECK (quantity NOT GLOB '*[^0-9.-]*'
      AND substr(quantity, 1 + (quantity GLOB '-*')) GLOB '[0-9]*'
      AND substr(quantity, 1 + (quantity GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(quantity, 2) NOT GLOB '*-*'
      AND quantity NOT GLOB '*.*.*'
      AND quantity NOT GLOB '*.'),
  price        TEXT
  CHECK (price NOT GLOB '*[^0-9.-]*'
      AND substr(price, 1 + (price GLOB '-*')) GLOB '[0-9]*'
      AND substr(price, 1 + (price GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(price, 2) NOT GLOB '*-*'
      AND price NOT GLOB '*.*.*'
      AND price NOT GLOB '*.'
      AND price NOT GLOB '-*'),
  market_value TEXT
  CHECK (market_value NOT GLOB '*[^0-9.-]*'
      AND substr(market_value, 1 + (market_value GLOB '-*')) GLOB '[0-9]*'
      AND substr(market_value, 1 + (market_value GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(market_value, 2) NOT GLOB '*-*'
      AND market_value NOT GLOB '*.*.*'
      AND market_value NOT GLOB '*.'),
  cost_basis   TEXT
  CHECK (cost_basis NOT GLOB '*[^0-9.-]*'
      AND substr(cost_basis, 1 + (cost_basis GLOB '-*')) GLOB '[0-9]*'
      AND substr(cost_basis, 1 + (cost_basis GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(cost_basis, 2) NOT GLOB '*-*'
      AND cost_basis NOT GLOB '*.*.*'
      AND cost_basis NOT GLOB '*.'),
  PRIMARY KEY (snapshot_id, security_id)
) STRICT, WITHOUT ROWID;

CREATE INDEX positions_security ON positions (security_id);

CREATE TABLE proposals (
  id              INTEGER PRIMARY KEY,
  account_id      TEXT NOT NULL REFERENCES accounts (id),
  status          TEXT NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'approved', 'rejected', 'exported', 'superseded')),
  engine          TEXT NOT NULL CHECK (length(engine) > 0),
  engine_label    TEXT NOT NULL,
  parameters      TEXT NOT NULL CHECK (json_valid(parameters)),
  seed            INTEGER NOT NULL,
  code_version    TEXT NOT NULL,
  data_from       TEXT NOT NULL CHECK (data_from IS date(data_from)),
  data_to         TEXT NOT NULL CHECK (data_to IS date(data_to) AND data_to >= data_from),
  as_of           TEXT NOT NULL CHECK (as_of IS date(as_of)),
  positions_as_of TEXT CHECK (positions_as_of IS NULL OR positions_as_of IS date(positions_as_of)),
  snapshot_id     INTEGER REFERENCES position_snapshots (id),
  total_value     TEXT NOT NULL
  CHECK (total_value NOT GLOB '*[^0-9.-]*'
      AND substr(total_value, 1 + (total_value GLOB '-*')) GLOB '[0-9]*'
      AND substr(total_value, 1 + (total_value GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(total_value, 2) NOT GLOB '*-*'
      AND total_value NOT GLOB '*.*.*'
      AND total_value NOT GLOB '*.'),
  -- assets, cash and diagnostics as computed; the columns above are what the store filters on.
  payload         TEXT NOT NULL CHECK (json_valid(payload)),
  turnover        REAL NOT NULL CHECK (turnover >= 0),
  created_at      TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

CREATE INDEX proposals_account_status ON proposals (account_id, status);

-- A proposal is a record of what the engine produced; only its status moves, and only forward.
CREATE TRIGGER proposals_immutable
BEFORE UPDATE OF id, account_id, engine, engine_label, parameters, seed, code_version, data_from, data_to,
  as_of, positions_as_of, snapshot_id, total_value, payload, turnover, created_at ON proposals
BEGIN
  SELECT RAISE(ABORT, 'proposals are immutable: only status may change');
END;

CREATE TRIGGER proposals_status_forward
BEFORE UPDATE OF status ON proposals
WHEN NEW.status IS NOT OLD.status AND NOT (
  (OLD.status = 'pending' AND NEW.status IN ('approved', 'rejected', 'superseded'))
  OR (OLD.status = 'approved' AND NEW.status = 'exported')
)
BEGIN
  SELECT RAISE(ABORT, 'proposal status change not allowed');
END;

CREATE TRIGGER proposals_no_delete
BEFORE DELETE ON proposals
BEGIN
  SELECT RAISE(ABORT, 'proposals cannot be deleted');
END;

CREATE TABLE proposal_trades (
  proposal_id INTEGER NOT NULL REFERENCES proposals (id),
  seq         INTEGER NOT NULL CHECK (seq >= 1),
  security_id INTEGER NOT NULL REFERENCES securities (id),
  side        TEXT NOT NULL CHECK (side IN ('BUY', 'SELL')),
  -- Direction lives in side; the quantity is a positive amount.
  quantity    TEXT NOT NULL
  CHECK (quantity NOT GLOB '*[^0-9.-]*'
      AND substr(quantity, 1 + (quantity GLOB '-*')) GLOB '[0-9]*'
      AND substr(quantity, 1 + (quantity GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(quantity, 2) NOT GLOB '*-*'
      AND quantity NOT GLOB '*.*.*'
      AND quantity NOT GLOB '*.'
      AND quantity NOT GLOB '-*'
      AND quantity GLOB '*[1-9]*'),
  price       REAL NOT NULL CHECK (price > 0),
  notional    TEXT NOT NULL
  CHECK (notional NOT GLOB '*[^0-9.-]*'
      AND substr(notional, 1 + (notional GLOB '-*')) GLOB '[0-9]*'
      AND substr(notional, 1 + (notional GLOB '-*')) NOT GLOB '0[0-9]*'
      AND substr(notional, 2) NOT GLOB '*-*'
      AND notional NOT GLOB '*.*.*'
      AND notional NOT GLOB '*.'
      AND notional NOT GLOB '-*'),
  currency    TEXT NOT NULL CHECK (currency GLOB '[A-Z][A-Z][A-Z]'),
  PRIMARY KEY (proposal_id, seq)
) STRICT, WITHOUT ROWID;

CREATE TRIGGER proposal_trades_no_update BEFORE UPDATE ON proposal_trades
BEGIN
  SELECT RAISE(ABORT, 'proposal trades are immutable');
END;

CREATE TRIGGER proposal_trades_no_delete BEFORE DELETE ON proposal_trades
BEGIN
  SELECT RAISE(ABORT, 'proposal trades are immutable');
END;

CREATE TABLE approvals (
  id          INTEGER PRIMARY KEY,
  proposal_id INTEGER NOT NULL REFERENCES proposals (id),
  decision    TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  by_whom     TEXT NOT NULL CHECK (length(trim(by_whom)) > 0),
  comment     TEXT,
  at          TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

CREATE INDEX approvals_proposal ON approvals (proposal_id);

CREATE TRIGGER approvals_no_update BEFORE UPDATE ON approvals
BEGIN
  SELECT RAISE(ABORT, 'approvals are append-only');
END;

CREATE TRIGGER approvals_no_delete BEFORE DELETE ON approvals
BEGIN
  SELECT RAISE(ABORT, 'approvals are append-only');
END;

CREATE TABLE exports (
  id          INTEGER PRIMARY KEY,
  proposal_id INTEGER NOT NULL REFERENCES proposals (id),
  -- Not an enum CHECK: adding a format (e.g. FIX 4.4) must not need a table rebuild.
  format      TEXT NOT NULL CHECK (length(format) > 0),
  path        TEXT NOT NULL CHECK (length(path) > 0),
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  rows        INTEGER NOT NULL CHECK (rows >= 0),
  created_at  TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

CREATE INDEX exports_proposal ON exports (proposal_id);

-- Hash-chained: hash = sha256(prev_hash || canonical JSON of the row's other fields); see audit.ts.
CREATE TABLE audit_log (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  actor     TEXT NOT NULL CHECK (length(actor) > 0),
  action    TEXT NOT NULL CHECK (length(action) > 0),
  entity    TEXT NOT NULL CHECK (length(entity) > 0),
  entity_id TEXT,
  details   TEXT CHECK (details IS NULL OR json_valid(details)),
  prev_hash TEXT NOT NULL UNIQUE CHECK (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*'),
  hash      TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*')
) STRICT;

CREATE INDEX audit_log_entity ON audit_log (entity, entity_id);

-- Append-only. The chain makes an edit detectable; these triggers make it impossible through the app.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;
