-- 0004-audit-anchors: every approval records the head of the audit chain it was given under (issue 11).
--
-- A hash chain proves that nothing before its last entry was edited, removed or inserted; it cannot
-- prove that entries were not removed from the end, or that the whole chain was not recomputed after an
-- edit. Anchors fix that: copies of (row count, head hash) kept where a rewrite of audit_log does not
-- reach them. Most live outside the database (the checkpoint file beside it, every exported trade list);
-- this migration adds the one the issue asks for inside it: the approval record, which the investment
-- committee's copy of a proposal carries.
--
-- * approvals.audit_rows / audit_head: the number of audit entries and the hash of the last one (64 zeros
--   for an empty log) when the decision was recorded, i.e. just before its own audit entry. NULL for
--   decisions recorded before this migration. Both or neither. The append-only triggers stay as they were:
--   ADD COLUMN does not touch them.
--
-- The migration runner wraps this file in one transaction and sets user_version; do not add
-- BEGIN/COMMIT or PRAGMA user_version here.

ALTER TABLE approvals ADD COLUMN audit_rows INTEGER CHECK (audit_rows IS NULL OR audit_rows >= 0);

ALTER TABLE approvals ADD COLUMN audit_head TEXT
  CHECK (audit_head IS NULL OR (length(audit_head) = 64 AND audit_head NOT GLOB '*[^0-9a-f]*'));

-- "Both or neither" cannot be a table CHECK through ALTER TABLE; a trigger says it instead.
CREATE TRIGGER approvals_anchor_complete BEFORE INSERT ON approvals
WHEN (NEW.audit_rows IS NULL) <> (NEW.audit_head IS NULL)
BEGIN
  SELECT RAISE(ABORT, 'approvals: audit_rows and audit_head go together');
END;
