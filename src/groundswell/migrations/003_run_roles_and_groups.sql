-- Schema version 3: roles, personas and group figures of a run.

CREATE TABLE person_roles (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,          -- 'role' or 'persona'
    name          VARCHAR NOT NULL,          -- hub, broker, ... / engager, catalyst, ...
    PRIMARY KEY (run_id, person_id, kind, name)
);

-- Ties typed: strong (weight in the run's top quarter for its layer), diverse (between two
-- departments), reciprocated (the reverse tie exists in the same layer).
ALTER TABLE ties ADD COLUMN strong BOOLEAN;
ALTER TABLE ties ADD COLUMN diverse BOOLEAN;
ALTER TABLE ties ADD COLUMN reciprocated BOOLEAN;

CREATE TABLE group_scores (
    run_id        INTEGER NOT NULL,
    attribute     VARCHAR NOT NULL,          -- department, team, community, ...
    group_name    VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,          -- size, ei_index, inside_share, silo, ...
    value         DOUBLE,
    PRIMARY KEY (run_id, attribute, group_name, metric)
);
