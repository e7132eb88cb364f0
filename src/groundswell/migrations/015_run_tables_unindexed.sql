-- No primary-key index on the three run tables that grow with the people (issue 20, point 5).
--
-- A run is stored, and its value step and key findings computed, in one transaction (007: a
-- run is visible only when complete). DuckDB keeps the ART index of every primary key the
-- open transaction inserts into in memory until the commit: at 500,000 people that was about
-- 2.5 GB of the process's peak, most of it person_scores (34 figures a person, a key of a
-- run, a pseudonym and a metric name: 214 MiB of index against 52 MiB of table at 100,000
-- people, and 2.3x the CPU of the insert).
--
-- The keys stay unique: pipeline._store checks each frame's key (the scores' people and
-- metric names, the communities' people, the roles' rows) before it inserts, and no other
-- code writes these tables. The transaction, not the index, keeps a run all-or-nothing.

CREATE TABLE person_scores_015 (
    run_id     INTEGER NOT NULL,
    person_id  VARCHAR NOT NULL,
    metric     VARCHAR NOT NULL,
    value      DOUBLE
);
INSERT INTO person_scores_015 SELECT run_id, person_id, metric, value FROM person_scores ORDER BY rowid;
DROP TABLE person_scores;
ALTER TABLE person_scores_015 RENAME TO person_scores;

CREATE TABLE communities_015 (
    run_id     INTEGER NOT NULL,
    person_id  VARCHAR NOT NULL,
    community  INTEGER NOT NULL
);
INSERT INTO communities_015 SELECT run_id, person_id, community FROM communities ORDER BY rowid;
DROP TABLE communities;
ALTER TABLE communities_015 RENAME TO communities;

CREATE TABLE person_roles_015 (
    run_id     INTEGER NOT NULL,
    person_id  VARCHAR NOT NULL,
    kind       VARCHAR NOT NULL,
    name       VARCHAR NOT NULL
);
INSERT INTO person_roles_015 SELECT run_id, person_id, kind, name FROM person_roles ORDER BY rowid;
DROP TABLE person_roles;
ALTER TABLE person_roles_015 RENAME TO person_roles;
