-- 0006-holdings-as-they-are: positions, cash, identifiers and account ids as custodians write them (issue 9).
--
-- * accounts, rebuilt (12-step procedure; the runner has foreign keys off and checks them before commit):
--   an id may now hold spaces and slashes as custodians write it ("12345/678-9", "DE 1234 5678"),
--   still starting with a letter or digit and never ending in a space. `match_key` is the one
--   normalised form used for matching — capitals and digits only ("12345/678-9" and "12345-6789" are the
--   same account) — not unique, because databases made before this one may hold two ids that normalise
--   alike; the app refuses to guess between them.
-- * securities: the instrument as the file described it — type (equity, fund, bond, option, future,
--   cash, other), contract multiplier, underlying, expiry, strike, put/call. NULL for securities created
--   before this migration (read as "not stated"). A position's price stays per unit of its quantity (per
--   contract for a derivative), so quantity × price is still the value of every row.
-- * security_custodian_codes: identifiers that are not valid ISINs/CUSIPs/SEDOLs (a custodian's own
--   fund code in a CUSIP column, an anonymised id) kept per custodian, so the next file from that
--   custodian matches the same security; never indexed as an ISIN or CUSIP.
-- Signed quantities, negative market values and negative cash were already allowed by 0001's CHECKs.

CREATE TABLE accounts_new (
  id            TEXT PRIMARY KEY NOT NULL
                CHECK (length(id) BETWEEN 1 AND 64 AND id GLOB '[A-Za-z0-9]*' AND id NOT GLOB '*[^A-Za-z0-9 ./_-]*' AND id NOT GLOB '* '),
  name          TEXT NOT NULL,
  base_currency TEXT NOT NULL CHECK (base_currency GLOB '[A-Z][A-Z][A-Z]'),
  created_at    TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  -- Filled in by the triggers below from the id, whoever inserts the row.
  match_key     TEXT CHECK (match_key IS NULL OR (length(match_key) > 0 AND match_key NOT GLOB '*[^A-Z0-9]*'))
) STRICT;

INSERT INTO accounts_new (id, name, base_currency, created_at, match_key)
SELECT id, name, base_currency, created_at,
       upper(replace(replace(replace(replace(replace(id, '.', ''), '-', ''), '_', ''), ' ', ''), '/', ''))
FROM accounts;

DROP TABLE accounts;
ALTER TABLE accounts_new RENAME TO accounts;

CREATE INDEX accounts_match_key ON accounts (match_key);

-- The match key is derived from the id (capitals and digits only; the id's other characters are the
-- separators . - _ / and space), so no writer can leave it out or get it wrong.
CREATE TRIGGER accounts_match_key_insert AFTER INSERT ON accounts
BEGIN
  UPDATE accounts SET match_key = upper(replace(replace(replace(replace(replace(NEW.id, '.', ''), '-', ''), '_', ''), ' ', ''), '/', ''))
  WHERE id = NEW.id;
END;

CREATE TRIGGER accounts_match_key_update AFTER UPDATE OF id, match_key ON accounts
WHEN NEW.match_key IS NOT upper(replace(replace(replace(replace(replace(NEW.id, '.', ''), '-', ''), '_', ''), ' ', ''), '/', ''))
BEGIN
  UPDATE accounts SET match_key = upper(replace(replace(replace(replace(replace(NEW.id, '.', ''), '-', ''), '_', ''), ' ', ''), '/', ''))
  WHERE id = NEW.id;
END;

ALTER TABLE securities ADD COLUMN instrument_type TEXT
  CHECK (instrument_type IS NULL OR instrument_type IN ('equity', 'fund', 'bond', 'option', 'future', 'cash', 'other'));
ALTER TABLE securities ADD COLUMN multiplier TEXT
  CHECK (multiplier IS NULL OR (multiplier NOT GLOB '*[^0-9.]*' AND multiplier GLOB '[0-9]*' AND multiplier NOT GLOB '0[0-9]*'
         AND multiplier NOT GLOB '*.*.*' AND multiplier NOT GLOB '*.' AND multiplier GLOB '*[1-9]*'));
ALTER TABLE securities ADD COLUMN underlying TEXT CHECK (underlying IS NULL OR length(underlying) BETWEEN 1 AND 64);
ALTER TABLE securities ADD COLUMN expiry TEXT CHECK (expiry IS NULL OR expiry IS date(expiry));
ALTER TABLE securities ADD COLUMN strike TEXT
  CHECK (strike IS NULL OR (strike NOT GLOB '*[^0-9.]*' AND strike GLOB '[0-9]*' AND strike NOT GLOB '0[0-9]*'
         AND strike NOT GLOB '*.*.*' AND strike NOT GLOB '*.'));
ALTER TABLE securities ADD COLUMN put_call TEXT CHECK (put_call IS NULL OR put_call IN ('put', 'call'));

CREATE TABLE security_custodian_codes (
  custodian   TEXT NOT NULL CHECK (length(trim(custodian)) BETWEEN 1 AND 80),
  code        TEXT NOT NULL CHECK (length(code) BETWEEN 1 AND 64 AND code NOT GLOB '*[^!-~ ]*'),
  security_id INTEGER NOT NULL REFERENCES securities (id),
  created_at  TEXT NOT NULL CHECK (created_at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  PRIMARY KEY (custodian, code)
) STRICT, WITHOUT ROWID;

CREATE INDEX security_custodian_codes_security ON security_custodian_codes (security_id);
