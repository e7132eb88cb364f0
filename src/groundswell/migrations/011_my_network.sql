-- Schema version 11: My network (issue 18, docs/my-network.md).

-- What analyze computed for each person's own view: stage and next steps (the value-maturity
-- rules), the department pairs they bridge, their questions asked and answered (JSON).
CREATE TABLE person_value (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    body          VARCHAR NOT NULL,
    PRIMARY KEY (run_id, person_id)
);

-- Suggested connections: people two steps away in another department, ranked. Only the
-- counts of shared contacts and channels are kept, never who the shared contacts are.
CREATE TABLE suggestions (
    run_id           INTEGER NOT NULL,
    person_id        VARCHAR NOT NULL,
    rank             INTEGER NOT NULL,
    suggested_id     VARCHAR NOT NULL,
    shared_contacts  INTEGER NOT NULL,
    shared_channels  INTEGER NOT NULL,
    PRIMARY KEY (run_id, person_id, rank)
);

-- A person's choices: not to be suggested to others, not to be named to others.
CREATE TABLE person_optout (
    person_id     VARCHAR PRIMARY KEY,
    no_suggest    BOOLEAN NOT NULL DEFAULT false,
    no_name       BOOLEAN NOT NULL DEFAULT false,
    updated_at    TIMESTAMP WITH TIME ZONE
);

-- A group lead's group: 'department:Sales', 'team:...', 'community:...', 'channel:...'.
ALTER TABLE users ADD COLUMN group_scope VARCHAR;
