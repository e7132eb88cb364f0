-- Schema version 6: snapshots over time, value maturity (filled in by the value work).
SELECT 1;
