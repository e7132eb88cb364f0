-- Schema version 6: snapshots over time, and value maturity (docs/value.md).

-- One snapshot per period (week, month or quarter): the network of that period alone. The
-- fingerprint (rows, latest time and a checksum of the period's interactions and messages,
-- with the rules and the org chart) decides whether a period must be computed again.
CREATE TABLE snapshots (
    period        VARCHAR NOT NULL,          -- week, month, quarter
    period_start  TIMESTAMPTZ NOT NULL,
    period_end    TIMESTAMPTZ NOT NULL,      -- exclusive
    fingerprint   VARCHAR NOT NULL,
    computed_at   TIMESTAMPTZ NOT NULL,
    seconds       DOUBLE NOT NULL,           -- time the computation took
    PRIMARY KEY (period, period_start)
);

-- What the snapshots of each kind of period last saw: the ingests (source ids) and the
-- checksum of the shared context; rows of later ingests say which periods may have changed.
CREATE TABLE snapshot_state (
    period        VARCHAR PRIMARY KEY,
    sources       VARCHAR NOT NULL,          -- JSON list of source ids
    context       VARCHAR NOT NULL
);

-- The headline measures of each snapshot (people, ties, density, reciprocity, ...).
CREATE TABLE snapshot_measures (
    period        VARCHAR NOT NULL,
    period_start  TIMESTAMPTZ NOT NULL,
    metric        VARCHAR NOT NULL,
    value         DOUBLE,
    PRIMARY KEY (period, period_start, metric)
);

-- Each person's persona and roles in each snapshot (to find who changed).
CREATE TABLE snapshot_people (
    period        VARCHAR NOT NULL,
    period_start  TIMESTAMPTZ NOT NULL,
    person_id     VARCHAR NOT NULL,
    persona       VARCHAR,
    roles         VARCHAR NOT NULL,          -- comma-separated, sorted; '' for none
    degree        INTEGER NOT NULL,
    PRIMARY KEY (period, period_start, person_id)
);

-- Value maturity of a run at every scale: a person, a group, the whole network.
CREATE TABLE maturity (
    run_id        INTEGER NOT NULL,
    scale         VARCHAR NOT NULL,          -- person, department, team, community, channel, network
    group_name    VARCHAR NOT NULL,
    size          INTEGER,
    connect       DOUBLE,
    share         DOUBLE,
    solve         DOUBLE,
    innovate      DOUBLE,
    lead_change   DOUBLE,
    stage         VARCHAR,                   -- the highest stage reached, 'none', NULL if suppressed
    PRIMARY KEY (run_id, scale, group_name)
);

-- The value findings of a run (value maturity, Q&A, leaders, community health, onboarding):
-- computed when the run is made, read by the report and the dashboard.
CREATE TABLE run_findings (
    run_id        INTEGER NOT NULL,
    section       VARCHAR NOT NULL,
    body          VARCHAR NOT NULL,          -- JSON
    PRIMARY KEY (run_id, section)
);
