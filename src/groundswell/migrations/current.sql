-- The current schema, generated: python -m groundswell.migrations > current.sql
-- Never applied; tests/test_migrations.py checks a fresh database equals it.
CREATE SEQUENCE plan_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807;
CREATE SEQUENCE run_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807;
CREATE SEQUENCE source_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807;
CREATE SEQUENCE survey_seq INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807;
CREATE TABLE adoptions(
    person_id VARCHAR,
    behaviour VARCHAR,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    source_id INTEGER NOT NULL,
    PRIMARY KEY(person_id, behaviour)
);
CREATE TABLE aliases(
    alias_id VARCHAR PRIMARY KEY,
    person_id VARCHAR NOT NULL,
    source_id INTEGER NOT NULL
);
CREATE TABLE channels(
    channel_id VARCHAR PRIMARY KEY,
    "name" VARCHAR,
    kind VARCHAR NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE,
    source_id INTEGER NOT NULL
);
CREATE TABLE communities(
    run_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    community INTEGER NOT NULL
);
CREATE TABLE external_groups(
    run_id INTEGER,
    "attribute" VARCHAR,
    group_name VARCHAR,
    members INTEGER NOT NULL,
    holders INTEGER NOT NULL,
    external_ties INTEGER NOT NULL,
    externals INTEGER NOT NULL,
    top_third_share DOUBLE,
    herfindahl DOUBLE,
    PRIMARY KEY(run_id, "attribute", group_name)
);
CREATE TABLE external_holders(
    run_id INTEGER,
    person_id VARCHAR,
    externals INTEGER NOT NULL,
    customers INTEGER NOT NULL,
    suppliers INTEGER NOT NULL,
    partners INTEGER NOT NULL,
    weight DOUBLE NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY(run_id, person_id)
);
CREATE TABLE group_metrics(
    "attribute" VARCHAR,
    group_a VARCHAR,
    group_b VARCHAR,
    period_start DATE,
    metric VARCHAR,
    "value" DOUBLE,
    source_id INTEGER NOT NULL,
    PRIMARY KEY("attribute", group_a, group_b, period_start, metric)
);
CREATE TABLE group_scores(
    run_id INTEGER,
    "attribute" VARCHAR,
    group_name VARCHAR,
    metric VARCHAR,
    "value" DOUBLE,
    PRIMARY KEY(run_id, "attribute", group_name, metric)
);
CREATE TABLE group_ties(
    run_id INTEGER NOT NULL,
    "attribute" VARCHAR NOT NULL,
    from_group VARCHAR NOT NULL,
    to_group VARCHAR NOT NULL,
    "ties" BIGINT NOT NULL,
    weight DOUBLE NOT NULL
);
CREATE TABLE identities(
    person_id VARCHAR PRIMARY KEY,
    sealed VARCHAR NOT NULL
);
CREATE TABLE initiative_groups(
    "name" VARCHAR,
    "attribute" VARCHAR,
    group_name VARCHAR,
    period_start DATE,
    size INTEGER NOT NULL,
    participants INTEGER NOT NULL,
    PRIMARY KEY("name", "attribute", group_name, period_start)
);
CREATE TABLE initiative_periods(
    "name" VARCHAR,
    period_start DATE,
    acts BIGINT NOT NULL,
    posts BIGINT NOT NULL,
    participants BIGINT NOT NULL,
    new_participants BIGINT NOT NULL,
    departments INTEGER NOT NULL,
    teams INTEGER NOT NULL,
    communities INTEGER NOT NULL,
    groups_reached INTEGER NOT NULL,
    influencers INTEGER NOT NULL,
    replies DOUBLE,
    two_way DOUBLE,
    cross_boundary DOUBLE,
    quality DOUBLE,
    reach DOUBLE NOT NULL,
    traction DOUBLE,
    PRIMARY KEY("name", period_start)
);
CREATE TABLE initiative_roles(
    "name" VARCHAR,
    period_start DATE,
    "role" VARCHAR,
    people INTEGER NOT NULL,
    PRIMARY KEY("name", period_start, "role")
);
CREATE TABLE initiatives(
    "name" VARCHAR PRIMARY KEY,
    definition VARCHAR NOT NULL,
    defined_at TIMESTAMP WITH TIME ZONE NOT NULL,
    computed_at TIMESTAMP WITH TIME ZONE,
    run_id INTEGER,
    plan_id INTEGER,
    summary VARCHAR
);
CREATE TABLE interaction_rows(
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    actor_key INTEGER NOT NULL,
    target_key INTEGER NOT NULL,
    kind VARCHAR NOT NULL,
    message_id VARCHAR NOT NULL,
    n_recipients INTEGER NOT NULL,
    is_bot BOOLEAN NOT NULL,
    weight DOUBLE NOT NULL,
    source_id INTEGER NOT NULL
);
CREATE TABLE layout(
    run_id INTEGER,
    person_id VARCHAR,
    x DOUBLE NOT NULL,
    y DOUBLE NOT NULL,
    PRIMARY KEY(run_id, person_id)
);
CREATE TABLE login_attempts(
    username VARCHAR NOT NULL,
    client VARCHAR NOT NULL,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    ok BOOLEAN NOT NULL
);
CREATE TABLE maturity(
    run_id INTEGER,
    scale VARCHAR,
    group_name VARCHAR,
    size INTEGER,
    "connect" DOUBLE,
    "share" DOUBLE,
    solve DOUBLE,
    innovate DOUBLE,
    lead_change DOUBLE,
    stage VARCHAR,
    PRIMARY KEY(run_id, scale, group_name)
);
CREATE TABLE messages(
    message_id VARCHAR NOT NULL,
    channel_id VARCHAR,
    thread_id VARCHAR,
    parent_id VARCHAR,
    author_id VARCHAR NOT NULL,
    ts TIMESTAMP WITH TIME ZONE NOT NULL,
    kind VARCHAR NOT NULL,
    n_recipients INTEGER NOT NULL,
    is_question BOOLEAN NOT NULL,
    is_bot BOOLEAN NOT NULL,
    "text" VARCHAR,
    source_id INTEGER NOT NULL
);
CREATE TABLE meta(
    "key" VARCHAR PRIMARY KEY,
    "value" VARCHAR NOT NULL
);
CREATE TABLE outcome_deviants(
    run_id INTEGER,
    outcome VARCHAR,
    person_id VARCHAR,
    "value" DOUBLE NOT NULL,
    peer_median DOUBLE NOT NULL,
    z DOUBLE NOT NULL,
    peers INTEGER NOT NULL,
    PRIMARY KEY(run_id, outcome, person_id)
);
CREATE TABLE outcome_links(
    run_id INTEGER,
    outcome VARCHAR,
    measure VARCHAR,
    "scope" VARCHAR,
    n INTEGER NOT NULL,
    rho DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    p DOUBLE,
    q DOUBLE,
    reading VARCHAR NOT NULL,
    PRIMARY KEY(run_id, outcome, measure, "scope")
);
CREATE TABLE outcome_readings(
    run_id INTEGER,
    rank INTEGER,
    line VARCHAR NOT NULL,
    PRIMARY KEY(run_id, rank)
);
CREATE TABLE outcomes(
    subject_kind VARCHAR,
    subject VARCHAR,
    measure VARCHAR,
    ts TIMESTAMP WITH TIME ZONE,
    "value" DOUBLE NOT NULL,
    "target" DOUBLE,
    tag VARCHAR,
    source_id INTEGER NOT NULL,
    PRIMARY KEY(subject_kind, subject, measure, ts)
);
CREATE TABLE people(
    person_id VARCHAR PRIMARY KEY,
    display_name VARCHAR,
    is_internal BOOLEAN NOT NULL,
    department VARCHAR,
    team VARCHAR,
    title VARCHAR,
    "level" INTEGER,
    manager_id VARCHAR,
    "location" VARCHAR,
    hire_date DATE,
    leave_date DATE,
    attrs VARCHAR,
    source_id INTEGER NOT NULL,
    relation VARCHAR
);
CREATE TABLE person_keys(
    person_key INTEGER PRIMARY KEY,
    pseudonym VARCHAR NOT NULL UNIQUE
);
CREATE TABLE person_metrics(
    person_id VARCHAR,
    period_start DATE,
    metric VARCHAR,
    "value" DOUBLE,
    source_id INTEGER NOT NULL,
    PRIMARY KEY(person_id, period_start, metric)
);
CREATE TABLE person_optout(
    person_id VARCHAR PRIMARY KEY,
    no_suggest BOOLEAN DEFAULT(false) NOT NULL,
    no_name BOOLEAN DEFAULT(false) NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE person_roles(
    run_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    "name" VARCHAR NOT NULL
);
CREATE TABLE person_scores(
    run_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    metric VARCHAR NOT NULL,
    "value" DOUBLE
);
CREATE TABLE person_value(
    run_id INTEGER,
    person_id VARCHAR,
    body VARCHAR NOT NULL,
    PRIMARY KEY(run_id, person_id)
);
CREATE TABLE plan_champions(
    plan_id INTEGER,
    strategy VARCHAR,
    rank INTEGER,
    person_id VARCHAR NOT NULL,
    gain DOUBLE,
    reason VARCHAR,
    PRIMARY KEY(plan_id, strategy, rank)
);
CREATE TABLE plan_coverage(
    plan_id INTEGER,
    strategy VARCHAR,
    "attribute" VARCHAR,
    group_name VARCHAR,
    size INTEGER NOT NULL,
    reached DOUBLE NOT NULL,
    PRIMARY KEY(plan_id, strategy, "attribute", group_name)
);
CREATE TABLE plan_curves(
    plan_id INTEGER,
    strategy VARCHAR,
    step INTEGER,
    adopted DOUBLE NOT NULL,
    low DOUBLE NOT NULL,
    high DOUBLE NOT NULL,
    PRIMARY KEY(plan_id, strategy, step)
);
CREATE TABLE "plans"(
    plan_id INTEGER PRIMARY KEY,
    run_id INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    params VARCHAR NOT NULL,
    summary VARCHAR NOT NULL
);
CREATE TABLE reveals(
    revealed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    actor VARCHAR NOT NULL,
    "action" VARCHAR NOT NULL,
    subjects VARCHAR NOT NULL,
    detail VARCHAR
);
CREATE TABLE role_overlap(
    run_id INTEGER,
    role_a VARCHAR,
    role_b VARCHAR,
    jaccard DOUBLE,
    PRIMARY KEY(run_id, role_a, role_b)
);
CREATE TABLE run_findings(
    run_id INTEGER,
    section VARCHAR,
    body VARCHAR NOT NULL,
    PRIMARY KEY(run_id, section)
);
CREATE TABLE runs(
    run_id INTEGER PRIMARY KEY,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    "version" VARCHAR NOT NULL,
    window_start TIMESTAMP WITH TIME ZONE NOT NULL,
    window_end TIMESTAMP WITH TIME ZONE NOT NULL,
    params VARCHAR NOT NULL,
    sources VARCHAR NOT NULL,
    summary VARCHAR NOT NULL,
    complete BOOLEAN DEFAULT(false),
    stored_results BOOLEAN DEFAULT(false)
);
CREATE TABLE shadow(
    run_id INTEGER,
    finding VARCHAR,
    person_id VARCHAR,
    rank INTEGER NOT NULL,
    evidence VARCHAR NOT NULL,
    PRIMARY KEY(run_id, finding, person_id)
);
CREATE TABLE snapshot_measures(
    period VARCHAR,
    period_start TIMESTAMP WITH TIME ZONE,
    metric VARCHAR,
    "value" DOUBLE,
    PRIMARY KEY(period, period_start, metric)
);
CREATE TABLE snapshot_people(
    period VARCHAR,
    period_start TIMESTAMP WITH TIME ZONE,
    person_id VARCHAR,
    persona VARCHAR,
    roles VARCHAR NOT NULL,
    degree INTEGER NOT NULL,
    PRIMARY KEY(period, period_start, person_id)
);
CREATE TABLE snapshot_state(
    period VARCHAR PRIMARY KEY,
    sources VARCHAR NOT NULL,
    context VARCHAR NOT NULL
);
CREATE TABLE snapshots(
    period VARCHAR,
    period_start TIMESTAMP WITH TIME ZONE,
    period_end TIMESTAMP WITH TIME ZONE NOT NULL,
    fingerprint VARCHAR NOT NULL,
    computed_at TIMESTAMP WITH TIME ZONE NOT NULL,
    "seconds" DOUBLE NOT NULL,
    PRIMARY KEY(period, period_start)
);
CREATE TABLE sources(
    source_id INTEGER PRIMARY KEY,
    kind VARCHAR NOT NULL,
    "location" VARCHAR NOT NULL,
    sha256 VARCHAR NOT NULL,
    "options" VARCHAR NOT NULL,
    rows_read BIGINT NOT NULL,
    rows_skipped BIGINT NOT NULL,
    skipped VARCHAR NOT NULL,
    people BIGINT NOT NULL,
    messages BIGINT NOT NULL,
    interactions BIGINT NOT NULL,
    ingested_at TIMESTAMP WITH TIME ZONE NOT NULL,
    UNIQUE(kind, sha256, "options")
);
CREATE TABLE suggestions(
    run_id INTEGER,
    person_id VARCHAR,
    rank INTEGER,
    suggested_id VARCHAR NOT NULL,
    shared_contacts INTEGER NOT NULL,
    shared_channels INTEGER NOT NULL,
    PRIMARY KEY(run_id, person_id, rank)
);
CREATE TABLE survey_answered(
    survey_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    slug VARCHAR NOT NULL,
    answered_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE survey_attribute_answers(
    survey_id INTEGER NOT NULL,
    slug VARCHAR NOT NULL,
    person_id VARCHAR,
    "value" INTEGER NOT NULL,
    answered_at TIMESTAMP WITH TIME ZONE
);
CREATE TABLE survey_invitations(
    survey_id INTEGER,
    person_id VARCHAR,
    roster_no INTEGER NOT NULL,
    csrf_token VARCHAR NOT NULL,
    invited_at TIMESTAMP WITH TIME ZONE NOT NULL,
    reminders INTEGER DEFAULT(0) NOT NULL,
    last_sent_at TIMESTAMP WITH TIME ZONE,
    started_at TIMESTAMP WITH TIME ZONE,
    submitted_at TIMESTAMP WITH TIME ZONE,
    attributes_done BOOLEAN DEFAULT(false) NOT NULL,
    PRIMARY KEY(survey_id, person_id)
);
CREATE TABLE survey_links(
    token_hash VARCHAR PRIMARY KEY,
    survey_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    issued_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE survey_questions(
    survey_id INTEGER,
    "position" INTEGER NOT NULL,
    slug VARCHAR,
    kind VARCHAR NOT NULL,
    "text" VARCHAR NOT NULL,
    help VARCHAR,
    max_nominations INTEGER,
    scale INTEGER,
    scale_low VARCHAR,
    scale_high VARCHAR,
    PRIMARY KEY(survey_id, slug)
);
CREATE TABLE survey_responses(
    survey_id INTEGER NOT NULL,
    person_id VARCHAR NOT NULL,
    slug VARCHAR NOT NULL,
    nominee_id VARCHAR NOT NULL,
    strength DOUBLE NOT NULL,
    answered_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE TABLE surveys(
    survey_id INTEGER PRIMARY KEY,
    "name" VARCHAR NOT NULL UNIQUE,
    status VARCHAR NOT NULL,
    anonymous_attributes BOOLEAN NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    launched_at TIMESTAMP WITH TIME ZONE,
    closed_at TIMESTAMP WITH TIME ZONE,
    source_id INTEGER
);
CREATE TABLE "ties"(
    run_id INTEGER NOT NULL,
    actor_id VARCHAR NOT NULL,
    target_id VARCHAR NOT NULL,
    layer VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    weight DOUBLE NOT NULL,
    strong BOOLEAN,
    diverse BOOLEAN,
    reciprocated BOOLEAN
);
CREATE TABLE users(
    username VARCHAR PRIMARY KEY,
    password_hash VARCHAR NOT NULL,
    "role" VARCHAR NOT NULL,
    person_id VARCHAR,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    disabled BOOLEAN DEFAULT(false) NOT NULL,
    group_scope VARCHAR
);
CREATE TABLE web_sessions(
    token_hash VARCHAR PRIMARY KEY,
    username VARCHAR NOT NULL,
    csrf_token VARCHAR NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    expires_at TIMESTAMP WITH TIME ZONE NOT NULL
);
CREATE VIEW interactions AS SELECT i.ts, a.pseudonym AS actor_id, t.pseudonym AS target_id, i.kind, i.message_id, i.n_recipients, i.is_bot, i.weight, i.source_id FROM ((interaction_rows AS i INNER JOIN person_keys AS a ON ((a.person_key = i.actor_key))) INNER JOIN person_keys AS t ON ((t.person_key = i.target_key)));
