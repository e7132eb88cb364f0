-- Schema version 12: initiatives and their traction (issue 19, point 4; docs/traction.md).

-- An initiative as the user defined it (`groundswell traction WS NAME --channel ...`, or
-- [initiatives.NAME] in groundswell.toml): its definition (JSON: channels, keywords,
-- meetings, behaviour, period, by), and what `traction` last computed for it (the run whose
-- roles and communities it used, the champion plan it was set against, a JSON summary with
-- each group's status through the privacy gate and the definition of the index).
CREATE TABLE initiatives (
    name          VARCHAR PRIMARY KEY,
    definition    VARCHAR NOT NULL,
    defined_at    TIMESTAMP WITH TIME ZONE NOT NULL,
    computed_at   TIMESTAMP WITH TIME ZONE,
    run_id        INTEGER,
    plan_id       INTEGER,
    summary       VARCHAR
);

-- Its traction period by period: activity, reach (groups and influencers), the quality of
-- the interaction (replies, two-way ties, cross-boundary share, each 0-1) and the index.
CREATE TABLE initiative_periods (
    name              VARCHAR NOT NULL,
    period_start      DATE NOT NULL,
    acts              BIGINT NOT NULL,
    posts             BIGINT NOT NULL,
    participants      BIGINT NOT NULL,
    new_participants  BIGINT NOT NULL,
    departments       INTEGER NOT NULL,
    teams             INTEGER NOT NULL,
    communities       INTEGER NOT NULL,
    groups_reached    INTEGER NOT NULL,
    influencers       INTEGER NOT NULL,
    replies           DOUBLE,
    two_way           DOUBLE,
    cross_boundary    DOUBLE,
    quality           DOUBLE,
    reach             DOUBLE NOT NULL,
    traction          DOUBLE,
    PRIMARY KEY (name, period_start)
);

-- People taking part, by group and period: groups as the privacy gate shows them (smaller
-- than the minimum group size merged into "(suppressed)", dropped when still too small).
CREATE TABLE initiative_groups (
    name          VARCHAR NOT NULL,
    attribute     VARCHAR NOT NULL,
    group_name    VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    size          INTEGER NOT NULL,
    participants  INTEGER NOT NULL,
    PRIMARY KEY (name, attribute, group_name, period_start)
);

-- Influencers taking part, by role (the role lists analyze stored) and period: counts only.
CREATE TABLE initiative_roles (
    name          VARCHAR NOT NULL,
    period_start  DATE NOT NULL,
    role          VARCHAR NOT NULL,
    people        INTEGER NOT NULL,
    PRIMARY KEY (name, period_start, role)
);
