-- No primary-key index on group_ties either (issue 20, point 5; see 015): one row per pair of
-- groups with a tie, for departments, teams and locations, so it grows with the teams — 1.3M
-- rows at 100,000 people, most of the 124 MiB of ART index DuckDB still held in memory until
-- the run's commit after 015. pipeline._store checks its key (attribute, from_group, to_group)
-- before it inserts; nothing else writes it.

CREATE TABLE group_ties_016 (
    run_id     INTEGER NOT NULL,
    attribute  VARCHAR NOT NULL,
    from_group VARCHAR NOT NULL,
    to_group   VARCHAR NOT NULL,
    ties       BIGINT NOT NULL,
    weight     DOUBLE NOT NULL
);
INSERT INTO group_ties_016
SELECT run_id, attribute, from_group, to_group, ties, weight FROM group_ties ORDER BY rowid;
DROP TABLE group_ties;
ALTER TABLE group_ties_016 RENAME TO group_ties;
