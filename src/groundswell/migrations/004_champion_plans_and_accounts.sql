-- Schema version 4: champion plans, and the accounts of the web dashboard.

-- A champion plan: k champions chosen on a run's network, compared with baselines.
CREATE SEQUENCE plan_seq START 1;
CREATE TABLE plans (
    plan_id       INTEGER PRIMARY KEY,
    run_id        INTEGER NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    params        VARCHAR NOT NULL,          -- JSON: k, model, probabilities, quota, epsilon, ...
    summary       VARCHAR NOT NULL           -- JSON: reach of each strategy with its interval
);

CREATE TABLE plan_champions (
    plan_id       INTEGER NOT NULL,
    strategy      VARCHAR NOT NULL,          -- plan, top_down, most_connected, random
    rank          INTEGER NOT NULL,          -- 1 = chosen first
    person_id     VARCHAR NOT NULL,
    gain          DOUBLE,                    -- estimated people reached added by this pick
    reason        VARCHAR,                   -- greedy, quota, include (plan); the baseline's rule
    PRIMARY KEY (plan_id, strategy, rank)
);

CREATE TABLE plan_curves (
    plan_id       INTEGER NOT NULL,
    strategy      VARCHAR NOT NULL,
    step          INTEGER NOT NULL,          -- 0 = the seeds themselves
    adopted       DOUBLE NOT NULL,           -- mean people adopted by this step (cumulative)
    low           DOUBLE NOT NULL,           -- 95% interval of the mean
    high          DOUBLE NOT NULL,
    PRIMARY KEY (plan_id, strategy, step)
);

CREATE TABLE plan_coverage (
    plan_id       INTEGER NOT NULL,
    strategy      VARCHAR NOT NULL,
    attribute     VARCHAR NOT NULL,          -- department, location, ...
    group_name    VARCHAR NOT NULL,
    size          INTEGER NOT NULL,
    reached       DOUBLE NOT NULL,           -- mean people of the group reached
    PRIMARY KEY (plan_id, strategy, attribute, group_name)
);

-- Dashboard accounts. Passwords are argon2 hashes; sessions are stored by the SHA-256 of
-- their token, never the token itself.
CREATE TABLE users (
    username      VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    role          VARCHAR NOT NULL,          -- admin, analyst, viewer, person
    person_id     VARCHAR,                   -- the people record of a 'person' account
    created_at    TIMESTAMPTZ NOT NULL,
    disabled      BOOLEAN NOT NULL DEFAULT false
);

CREATE TABLE web_sessions (
    token_hash    VARCHAR PRIMARY KEY,
    username      VARCHAR NOT NULL,
    csrf_token    VARCHAR NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE login_attempts (
    username      VARCHAR NOT NULL,
    client        VARCHAR NOT NULL,
    ts            TIMESTAMPTZ NOT NULL,
    ok            BOOLEAN NOT NULL
);
