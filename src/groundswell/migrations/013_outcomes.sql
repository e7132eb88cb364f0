-- Schema version 13: outcomes against the network (issue 19, docs/outcomes.md).

-- Results the organisation already measures (sales against target, an engagement score,
-- incidents, retention), one row per subject, measure and date. A subject is a person (their
-- pseudonym, resolved at ingest like every reader's people) or a group ('team', 'department',
-- by its name as the org chart gives it). ``tag`` is the channel or community the figure is
-- credited to, when the file says (text as given).
CREATE TABLE outcomes (
    subject_kind  VARCHAR NOT NULL,
    subject       VARCHAR NOT NULL,
    measure       VARCHAR NOT NULL,
    ts            TIMESTAMP WITH TIME ZONE NOT NULL,
    value         DOUBLE NOT NULL,
    target        DOUBLE,
    tag           VARCHAR,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (subject_kind, subject, measure, ts)
);

-- What analyze found relating network position to outcomes: one row per outcome, network
-- measure and scope ('all': everyone; 'within': within department x level; a department's
-- name: inside it). rho with its 95% interval, p and the Benjamini-Hochberg q across the
-- run's pairs; n people; ``reading`` the sentence the views show.
CREATE TABLE outcome_links (
    run_id        INTEGER NOT NULL,
    outcome       VARCHAR NOT NULL,
    measure       VARCHAR NOT NULL,
    scope         VARCHAR NOT NULL,
    n             INTEGER NOT NULL,
    rho           DOUBLE,
    ci_low        DOUBLE,
    ci_high       DOUBLE,
    p             DOUBLE,
    q             DOUBLE,
    reading       VARCHAR NOT NULL,
    PRIMARY KEY (run_id, outcome, measure, scope)
);

-- Positive deviants by results: people whose outcome beats their formal peers' (same
-- department and level) by the rule of docs/outcomes.md; z is the robust z of their value
-- within the peer group, peers the group's size.
CREATE TABLE outcome_deviants (
    run_id        INTEGER NOT NULL,
    outcome       VARCHAR NOT NULL,
    person_id     VARCHAR NOT NULL,
    value         DOUBLE NOT NULL,
    peer_median   DOUBLE NOT NULL,
    z             DOUBLE NOT NULL,
    peers         INTEGER NOT NULL,
    PRIMARY KEY (run_id, outcome, person_id)
);

-- What analyze read in them, in words, in order (value/outcome_links.py: readings).
CREATE TABLE outcome_readings (
    run_id        INTEGER NOT NULL,
    rank          INTEGER NOT NULL,
    line          VARCHAR NOT NULL,
    PRIMARY KEY (run_id, rank)
);

-- The network-reach rule of positive deviance is named as what it is (issue 19): its role key
-- is network_positive_deviant; runs stored before keep their lists under the new name.
UPDATE person_roles SET name = 'network_positive_deviant'
    WHERE kind = 'role' AND name = 'positive_deviant';
UPDATE role_overlap SET role_a = 'network_positive_deviant' WHERE role_a = 'positive_deviant';
UPDATE role_overlap SET role_b = 'network_positive_deviant' WHERE role_b = 'positive_deviant';
UPDATE runs SET summary = replace(summary, '"positive_deviant":', '"network_positive_deviant":')
    WHERE summary LIKE '%"positive_deviant":%';
