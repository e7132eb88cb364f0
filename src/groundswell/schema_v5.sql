-- Schema version 5: the relationship survey (filled in by the survey work).
SELECT 1;
