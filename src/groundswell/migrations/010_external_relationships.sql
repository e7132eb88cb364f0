-- Schema version 10: people outside the organisation, and who holds the ties to them.
-- relation: what a person is to the organisation when a source says it (an HR file's
-- relation column): employee, contractor, customer, supplier, partner, external; NULL when no
-- source said. is_internal stays the one yes/no: false for customers, suppliers, partners,
-- addresses outside ingest.internal_domains, and people absent from the HR file once there
-- is one (groundswell.ingest.batch).
ALTER TABLE people ADD COLUMN relation VARCHAR;

-- The external relationships of a run (groundswell.analysis.external), computed by analyze:
-- an external tie is a pair of an internal person and an external one tied (either way) in
-- the run's layers, the org chart's reporting lines left out.
-- One row per internal person holding at least one: how many external people they are tied
-- to (in all and by relation), the ties' total weight, and their rank (1 = the most).
CREATE TABLE external_holders (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    externals     INTEGER NOT NULL,
    customers     INTEGER NOT NULL,
    suppliers     INTEGER NOT NULL,
    partners      INTEGER NOT NULL,
    weight        DOUBLE NOT NULL,
    rank          INTEGER NOT NULL,
    PRIMARY KEY (run_id, person_id)
);

-- The same, by formal group (attribute department, team or location; and attribute
-- 'organisation', group '(all)', for the whole): the group's internal people in the run,
-- how many hold an external tie, the external ties they hold (person-external pairs), the
-- distinct external people reached, the share held by the top third of holders, and the
-- Herfindahl index of the holders' shares (1 = one person holds them all). Group names as
-- stored; the privacy gate applies when read.
CREATE TABLE external_groups (
    run_id          INTEGER NOT NULL,
    attribute       VARCHAR NOT NULL,
    group_name      VARCHAR NOT NULL,
    members         INTEGER NOT NULL,
    holders         INTEGER NOT NULL,
    external_ties   INTEGER NOT NULL,
    externals       INTEGER NOT NULL,
    top_third_share DOUBLE,
    herfindahl      DOUBLE,
    PRIMARY KEY (run_id, attribute, group_name)
);
