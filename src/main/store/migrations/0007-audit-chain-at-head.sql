-- 0007-audit-chain-at-head: an audit entry can only be appended at the chain's head, checked by a trigger,
-- in place of the UNIQUE indexes on prev_hash and hash (issue 10).
--
-- Why. The two UNIQUE indexes kept a fork out of the chain (two entries after the same one), but each entry
-- wrote two index keys at random places, since hashes are random: ≈ 4 µs of an entry's ≈ 22 µs (100 000
-- appends in one transaction, measured), and 17 % of the database file after an import over 100 000 new accounts
-- (one entry per account). And they allowed what they did not forbid: an id that skips a number, and a prev_hash
-- that is no entry's hash.
--
-- What replaces them. A BEFORE INSERT trigger: a new entry's id is the last id + 1 (1 for the first), and its
-- prev_hash is the last entry's hash (64 zeros for the first). That forbids a fork (whose prev_hash would not be
-- the head's), a gap, and a prev_hash that links to nothing. Both lookups walk the rowid b-tree to its end: no
-- index is written per entry. Nothing reads the log by hash: the anchors look entries up by id (store/anchors.ts).
--
-- How. SQLite cannot drop a column's UNIQUE constraint, so the table is rebuilt: a copy without them, every entry
-- copied as it is (id, text, hashes), the old table dropped, the copy renamed, the entity index and the
-- append-only triggers made again, then the new trigger. A database whose chain was already broken (an entry
-- deleted with the triggers dropped) is copied as it is: `audit --verify` still finds the break.
--
-- The migration runner wraps this file in one transaction and sets user_version; do not add BEGIN/COMMIT or
-- PRAGMA user_version here.

DROP TRIGGER audit_log_no_update;
DROP TRIGGER audit_log_no_delete;
DROP INDEX audit_log_entity;

CREATE TABLE audit_log_rebuilt (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL CHECK (at GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9]*Z'),
  actor     TEXT NOT NULL CHECK (length(actor) > 0),
  action    TEXT NOT NULL CHECK (length(action) > 0),
  entity    TEXT NOT NULL CHECK (length(entity) > 0),
  entity_id TEXT,
  details   TEXT CHECK (details IS NULL OR json_valid(details)),
  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64 AND prev_hash NOT GLOB '*[^0-9a-f]*'),
  hash      TEXT NOT NULL CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*')
) STRICT;

INSERT INTO audit_log_rebuilt (id, at, actor, action, entity, entity_id, details, prev_hash, hash)
  SELECT id, at, actor, action, entity, entity_id, details, prev_hash, hash FROM audit_log ORDER BY id;

DROP TABLE audit_log;
ALTER TABLE audit_log_rebuilt RENAME TO audit_log;

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

-- Appended at the head only: the next id, linked to the last entry's hash.
CREATE TRIGGER audit_log_at_head BEFORE INSERT ON audit_log
WHEN NEW.id IS NOT coalesce((SELECT id FROM audit_log ORDER BY id DESC LIMIT 1), 0) + 1
  OR NEW.prev_hash IS NOT coalesce((SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1), '0000000000000000000000000000000000000000000000000000000000000000')
BEGIN
  SELECT RAISE(ABORT, 'audit_log: an entry follows the last one (the next id, and the last entry''s hash as prev_hash)');
END;
