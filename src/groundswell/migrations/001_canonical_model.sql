-- The canonical model (DESIGN.md section 3), schema version 1.
-- Every source becomes these tables; everything after ingest reads only these.
-- Identifiers (person_id, channel_id, message_id) are keyed-HMAC pseudonyms.

CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR NOT NULL);

-- Every ingested file or folder, with what it contributed.
CREATE SEQUENCE source_seq START 1;
CREATE TABLE sources (
    source_id     INTEGER PRIMARY KEY,
    kind          VARCHAR NOT NULL,          -- orgchart, events, slack, ...
    location      VARCHAR NOT NULL,          -- path as given
    sha256        VARCHAR NOT NULL,
    options       VARCHAR NOT NULL,          -- JSON: mapping and reader options
    rows_read     BIGINT NOT NULL,
    rows_skipped  BIGINT NOT NULL,
    skipped       VARCHAR NOT NULL,          -- JSON: reason -> count
    people        BIGINT NOT NULL,           -- people rows added or updated
    messages      BIGINT NOT NULL,
    interactions  BIGINT NOT NULL,
    ingested_at   TIMESTAMPTZ NOT NULL,
    UNIQUE (kind, sha256, options)
);

CREATE TABLE people (
    person_id     VARCHAR PRIMARY KEY,
    display_name  VARCHAR,                   -- only in identified mode
    is_internal   BOOLEAN NOT NULL,
    department    VARCHAR,
    team          VARCHAR,
    title         VARCHAR,
    level         INTEGER,                   -- 1 = top of the hierarchy
    manager_id    VARCHAR,
    location      VARCHAR,
    hire_date     DATE,
    leave_date    DATE,
    attrs         VARCHAR,                   -- JSON object of other HR columns
    source_id     INTEGER NOT NULL
);

-- Other identifiers of a person (an email, a chat user id), hashed the same way: interactions
-- keep the identifier their source used; the network resolves it through this table.
CREATE TABLE aliases (
    alias_id      VARCHAR PRIMARY KEY,
    person_id     VARCHAR NOT NULL,
    source_id     INTEGER NOT NULL
);

CREATE TABLE channels (
    channel_id    VARCHAR PRIMARY KEY,
    name          VARCHAR,                   -- kept for public channels and communities only
    kind          VARCHAR NOT NULL,          -- public, private, dm, group_dm, community, list, meeting
    created_at    TIMESTAMPTZ,
    source_id     INTEGER NOT NULL
);

CREATE TABLE messages (
    message_id    VARCHAR PRIMARY KEY,
    channel_id    VARCHAR,
    thread_id     VARCHAR,
    parent_id     VARCHAR,
    author_id     VARCHAR NOT NULL,
    ts            TIMESTAMPTZ NOT NULL,
    kind          VARCHAR NOT NULL,
    n_recipients  INTEGER NOT NULL,
    is_question   BOOLEAN NOT NULL,
    is_bot        BOOLEAN NOT NULL,
    text          VARCHAR,                   -- NULL unless the workspace stores content
    source_id     INTEGER NOT NULL
);

-- One row per directed act between two people. n_recipients is copied from the message so
-- that the broadcast rule needs no join.
CREATE TABLE interactions (
    ts            TIMESTAMPTZ NOT NULL,
    actor_id      VARCHAR NOT NULL,
    target_id     VARCHAR NOT NULL,
    kind          VARCHAR NOT NULL,
    message_id    VARCHAR NOT NULL,
    n_recipients  INTEGER NOT NULL,
    is_bot        BOOLEAN NOT NULL,
    weight        DOUBLE NOT NULL,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (message_id, actor_id, target_id, kind)
);

CREATE TABLE adoptions (
    person_id     VARCHAR NOT NULL,
    behaviour     VARCHAR NOT NULL,
    ts            TIMESTAMPTZ NOT NULL,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (person_id, behaviour)
);

-- A run of the analysis and its results.
CREATE SEQUENCE run_seq START 1;
CREATE TABLE runs (
    run_id        INTEGER PRIMARY KEY,
    created_at    TIMESTAMPTZ NOT NULL,
    version       VARCHAR NOT NULL,
    window_start  TIMESTAMPTZ NOT NULL,
    window_end    TIMESTAMPTZ NOT NULL,    -- exclusive
    params        VARCHAR NOT NULL,        -- JSON: tie rules and analysis settings used
    sources       VARCHAR NOT NULL,        -- JSON: [{source_id, kind, sha256}] seen by the run
    summary       VARCHAR NOT NULL         -- JSON: network-level figures
);

CREATE TABLE ties (
    run_id        INTEGER NOT NULL,
    actor_id      VARCHAR NOT NULL,
    target_id     VARCHAR NOT NULL,
    layer         VARCHAR NOT NULL,
    n             BIGINT NOT NULL,
    weight        DOUBLE NOT NULL
);

CREATE TABLE person_scores (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    metric        VARCHAR NOT NULL,
    value         DOUBLE,
    PRIMARY KEY (run_id, person_id, metric)
);

CREATE TABLE communities (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    community     INTEGER NOT NULL,
    PRIMARY KEY (run_id, person_id)
);

CREATE TABLE layout (
    run_id        INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    x             DOUBLE NOT NULL,
    y             DOUBLE NOT NULL,
    PRIMARY KEY (run_id, person_id)
);
