-- Schema version 7: a run is visible only when complete.
-- A run and everything it stores (ties, scores, findings, maturity) are written in one
-- transaction, so every run made from now on is complete. A run that groundswell 0.3.0
-- committed before its findings (the process killed in between) is marked incomplete: it is
-- ignored by every reader of runs, reported by `groundswell runs`, and removed by the next
-- analyze. Runs of 0.1 and 0.2, made before findings existed, stay complete.
ALTER TABLE runs ADD COLUMN complete BOOLEAN DEFAULT false;
UPDATE runs SET complete = true
WHERE run_id IN (SELECT run_id FROM run_findings) OR regexp_matches(version, '^0\.[12]\.');
