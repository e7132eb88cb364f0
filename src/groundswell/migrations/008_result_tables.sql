-- Schema version 8: results computed once by analyze, stored with the run, and read.
-- The report, the dashboard and the CLI read these tables; none of them recomputes them.
-- Runs made before this version have none of them (stored_results false): their readers
-- say to analyze again.
ALTER TABLE runs ADD COLUMN stored_results BOOLEAN DEFAULT false;

-- The group-to-group tie matrix of each formal attribute, as computed: the number and total
-- weight of the directed ties from a member of from_group to a member of to_group. Group
-- names as stored in people ('(unknown)' when missing); the privacy gate applies when read.
CREATE TABLE group_ties (
    run_id        INTEGER NOT NULL,
    attribute     VARCHAR NOT NULL,          -- department, team, location
    from_group    VARCHAR NOT NULL,
    to_group      VARCHAR NOT NULL,
    ties          BIGINT NOT NULL,
    weight        DOUBLE NOT NULL,
    PRIMARY KEY (run_id, attribute, from_group, to_group)
);

-- Jaccard overlap of every two roles held by someone in the run (1 = the same people).
CREATE TABLE role_overlap (
    run_id        INTEGER NOT NULL,
    role_a        VARCHAR NOT NULL,
    role_b        VARCHAR NOT NULL,
    jaccard       DOUBLE,
    PRIMARY KEY (run_id, role_a, role_b)
);

-- The shadow organisation: hidden influencers, informal leaders, bottleneck managers, key
-- people, managers far from their team. rank 1 is the strongest case of its finding;
-- evidence holds the figures its rule used (JSON).
CREATE TABLE shadow (
    run_id        INTEGER NOT NULL,
    finding       VARCHAR NOT NULL,
    person_id     VARCHAR NOT NULL,
    rank          INTEGER NOT NULL,
    evidence      VARCHAR NOT NULL,
    PRIMARY KEY (run_id, finding, person_id)
);
