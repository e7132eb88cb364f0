-- Schema version 9: who a pseudonym is, sealed under the workspace key, and the log of every
-- reveal. A pseudonymous workspace keeps no personal column in clear: the HR id, email and
-- name of each person of the org chart are stored only encrypted and authenticated under a
-- key derived from secret.key (groundswell.identity), so only the key holder can read them.
CREATE TABLE identities (
    person_id     VARCHAR PRIMARY KEY,
    sealed        VARCHAR NOT NULL            -- base64 of nonce, ciphertext and tag
);

-- Every reveal of who a pseudonym is: groundswell whois, report --reveal, the dashboard's
-- names switch. subjects is a JSON list of the pseudonyms revealed (empty: all of them).
CREATE TABLE reveals (
    revealed_at   TIMESTAMP WITH TIME ZONE NOT NULL,
    actor         VARCHAR NOT NULL,           -- the OS user of a command, the dashboard user
    action        VARCHAR NOT NULL,           -- whois, report, dashboard names
    subjects      VARCHAR NOT NULL,
    detail        VARCHAR
);
