-- Schema version 5: the relationship survey (groundswell.survey; docs/survey.md).
-- Link tokens are stored only as their SHA-256; nominees are stored by person_id, and the
-- respondent form names them by a per-survey roster number, never by pseudonym.

CREATE SEQUENCE survey_seq START 1;
CREATE TABLE surveys (
    survey_id     INTEGER PRIMARY KEY,
    name          VARCHAR NOT NULL UNIQUE,
    status        VARCHAR NOT NULL,          -- draft, open, closed
    anonymous_attributes BOOLEAN NOT NULL,   -- attribute answers kept with no respondent
    created_at    TIMESTAMPTZ NOT NULL,
    launched_at   TIMESTAMPTZ,
    closed_at     TIMESTAMPTZ,
    source_id     INTEGER                    -- the sources row written when it closed
);

CREATE TABLE survey_questions (
    survey_id     INTEGER NOT NULL,
    position      INTEGER NOT NULL,          -- order on the form, from 1
    slug          VARCHAR NOT NULL,          -- a nomination question makes layer survey:<slug>
    kind          VARCHAR NOT NULL,          -- advice, information, trust, energy, collaboration,
                                             -- custom (nominations) or attribute
    text          VARCHAR NOT NULL,
    help          VARCHAR,                   -- one line under the question
    max_nominations INTEGER,                 -- nominations only
    scale         INTEGER,                   -- strength 1..scale (nominations) or answer 1..scale
                                             -- (attribute); NULL: a nomination has strength 1
    scale_low     VARCHAR,                   -- label of 1
    scale_high    VARCHAR,                   -- label of scale
    PRIMARY KEY (survey_id, slug)
);

-- The roster: one invitation per person employed at launch. roster_no is a random number
-- naming the person on the respondent form (pseudonyms never reach respondents).
CREATE TABLE survey_invitations (
    survey_id     INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    roster_no     INTEGER NOT NULL,
    csrf_token    VARCHAR NOT NULL,          -- embedded in this respondent's form
    invited_at    TIMESTAMPTZ NOT NULL,
    reminders     INTEGER NOT NULL DEFAULT 0,
    last_sent_at  TIMESTAMPTZ,               -- last email (launch --send or remind --send)
    started_at    TIMESTAMPTZ,               -- first answer saved
    submitted_at  TIMESTAMPTZ,               -- last submit (answers may change until close)
    attributes_done BOOLEAN NOT NULL DEFAULT false,  -- anonymous attribute answers given
    PRIMARY KEY (survey_id, person_id)
);

-- Personal links: the SHA-256 of each token (launch issues one, each reminder one more;
-- every link of a person stays valid until the survey closes).
CREATE TABLE survey_links (
    token_hash    VARCHAR PRIMARY KEY,
    survey_id     INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    issued_at     TIMESTAMPTZ NOT NULL
);

-- Nominations: one row per (respondent, question, nominee); a question's rows are replaced
-- as a whole each time the respondent saves it.
CREATE TABLE survey_responses (
    survey_id     INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,          -- the respondent
    slug          VARCHAR NOT NULL,
    nominee_id    VARCHAR NOT NULL,
    strength      DOUBLE NOT NULL,
    answered_at   TIMESTAMPTZ NOT NULL       -- whole seconds, UTC
);

-- Which questions a respondent has answered (naming nobody is an answer too).
CREATE TABLE survey_answered (
    survey_id     INTEGER NOT NULL,
    person_id     VARCHAR NOT NULL,
    slug          VARCHAR NOT NULL,
    answered_at   TIMESTAMPTZ NOT NULL
);

-- Attribute answers. person_id is NULL in anonymous mode (and no time is kept then).
CREATE TABLE survey_attribute_answers (
    survey_id     INTEGER NOT NULL,
    slug          VARCHAR NOT NULL,
    person_id     VARCHAR,
    value         INTEGER NOT NULL,
    answered_at   TIMESTAMPTZ
);
