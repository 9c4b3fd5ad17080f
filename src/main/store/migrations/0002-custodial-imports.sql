-- 0002-custodial-imports: custodial position imports and EMS exports (issue 3).
--
-- * Custodian CSV profiles (saved column mappings, found again by the file's header signature) and EMS
--   profiles (CSV basket layouts). FIX session settings and the MsgSeqNum counter live in `settings`
--   under `fix.*` keys; their defaults are in code, so nothing is seeded here.
-- * imports: one holdings file may cover several accounts (MT535/semt.002 bundles, multi-account
--   custodian CSVs), so the 0001 rule "positions ⇔ account_id NOT NULL" becomes "prices ⇒ no account";
--   `account_id` names the account when the file has exactly one, the snapshots' import_id gives all
--   of them. A file imported minus rows the PM explicitly accepted to leave out has status 'partial'
--   and counts them in `excluded`. SQLite cannot alter a CHECK, so the table is rebuilt with the
--   12-step procedure (https://www.sqlite.org/lang_altertable.html#otheralter); the runner has foreign
--   keys off and runs foreign_key_check before commit.
-- * positions.quantity_type: MT535/semt.002 report bonds as a face amount (FAMT), not units; the price
--   stored for those is per unit of face (a 98.75 % quote is stored as 0.9875) so quantity × price is
--   the market value for every row.
-- * position_snapshots.cash_balances: statements list cash per currency (IBKR, OFX, multi-currency
--   custody accounts). `cash` stays the balance in the account's base currency, the one the valuation
--   uses; the other currencies are kept as the file gave them ({"USD": "1194.84"}) until Ballast converts
--   currencies, so nothing the custodian reported is dropped.
-- * exports: every export of a proposal carries its sequence (1 = first) and, for a re-export, the id
--   of the first export of the same orders, so a second file with the same client order ids is never
--   mistaken for new orders. Exports become append-only.

CREATE TABLE custodian_profiles (
  name             TEXT PRIMARY KEY NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
  -- Normalised header row the profile was made for (NULL: used only when named explicitly).
  header_signature TEXT CHECK (header_signature IS NULL OR length(header_signature) > 0),
  -- { canonicalField: "column header as written in the file" }
  mapping          TEXT NOT NULL CHECK (json_valid(mapping) AND json_type(mapping) = 'object'),
  -- { delimiter, encoding, numberConvention, dateFormat } — null members mean "detect".
  options          TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(options) AND json_type(options) = 'object'),
  created_at       TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  updated_at       TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

-- A header shape maps to one profile, or the automatic choice would be ambiguous.
CREATE UNIQUE INDEX custodian_profiles_signature ON custodian_profiles (header_signature) WHERE header_signature IS NOT NULL;

CREATE TABLE ems_profiles (
  name       TEXT PRIMARY KEY NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 80),
  -- { columns: [{ field, header }], delimiter, orderType, timeInForce }
  definition TEXT NOT NULL CHECK (json_valid(definition) AND json_type(definition) = 'object'),
  created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  updated_at TEXT NOT NULL CHECK (updated_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z')
) STRICT;

-- imports, rebuilt (steps 4–7 of the 12-step procedure; no indexes, triggers or views to recreate besides
-- the UNIQUE autoindex, which comes with the table).
CREATE TABLE imports_new (
  id         INTEGER PRIMARY KEY,
  kind       TEXT NOT NULL CHECK (kind IN ('prices', 'positions')),
  file_name  TEXT NOT NULL CHECK (length(file_name) > 0),
  -- One file is imported once: re-importing the same bytes is answered from this row.
  sha256     TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  format     TEXT NOT NULL,
  rows       INTEGER NOT NULL CHECK (rows >= 0),
  status     TEXT NOT NULL CHECK (status IN ('imported', 'partial', 'rejected')),
  -- The account when the file names exactly one; NULL for price files and multi-account holdings files.
  account_id TEXT REFERENCES accounts (id),
  report     TEXT CHECK (report IS NULL OR json_valid(report)),
  created_at TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  -- Rows the PM accepted to leave out (allowPartial); only a partial import has any.
  excluded   INTEGER NOT NULL DEFAULT 0 CHECK (excluded >= 0),
  CHECK (kind = 'positions' OR account_id IS NULL),
  CHECK ((status = 'partial') = (excluded > 0))
) STRICT;

INSERT INTO imports_new (id, kind, file_name, sha256, format, rows, status, account_id, report, created_at, excluded)
SELECT id, kind, file_name, sha256, format, rows, status, account_id, report, created_at, 0 FROM imports;

DROP TABLE imports;
ALTER TABLE imports_new RENAME TO imports;

CREATE INDEX imports_account ON imports (account_id) WHERE account_id IS NOT NULL;
-- Which snapshots (and so which accounts) an import wrote.
CREATE INDEX position_snapshots_import ON position_snapshots (import_id) WHERE import_id IS NOT NULL;

ALTER TABLE position_snapshots ADD COLUMN cash_balances TEXT
  CHECK (cash_balances IS NULL OR (json_valid(cash_balances) AND json_type(cash_balances) = 'object'));

ALTER TABLE positions ADD COLUMN quantity_type TEXT NOT NULL DEFAULT 'UNIT' CHECK (quantity_type IN ('UNIT', 'FAMT'));

ALTER TABLE exports ADD COLUMN sequence INTEGER NOT NULL DEFAULT 1 CHECK (sequence >= 1);
ALTER TABLE exports ADD COLUMN reexport_of INTEGER REFERENCES exports (id);

-- Exports made before this migration: number them in order and point re-exports at the first one.
UPDATE exports SET
  sequence = (SELECT count(*) FROM exports e WHERE e.proposal_id = exports.proposal_id AND e.id <= exports.id),
  reexport_of = (SELECT min(e.id) FROM exports e WHERE e.proposal_id = exports.proposal_id AND e.id < exports.id);

CREATE UNIQUE INDEX exports_proposal_sequence ON exports (proposal_id, sequence);
DROP INDEX exports_proposal;

CREATE TRIGGER exports_no_update BEFORE UPDATE ON exports
BEGIN
  SELECT RAISE(ABORT, 'exports are append-only');
END;

CREATE TRIGGER exports_no_delete BEFORE DELETE ON exports
BEGIN
  SELECT RAISE(ABORT, 'exports are append-only');
END;
