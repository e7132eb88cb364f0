-- Schema version 2: metrics that some sources export already aggregated
-- (Microsoft Viva Insights' person query and group-to-group query).

CREATE TABLE person_metrics (
    person_id     VARCHAR NOT NULL,
    period_start  DATE NOT NULL,             -- the week (or day) the figure covers
    metric        VARCHAR NOT NULL,          -- the source's metric name, as exported
    value         DOUBLE,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (person_id, period_start, metric)
);

CREATE TABLE group_metrics (
    attribute     VARCHAR NOT NULL,          -- the HR attribute the groups come from
    group_a       VARCHAR NOT NULL,
    group_b       VARCHAR NOT NULL,          -- '' for a figure about group_a alone
    period_start  DATE NOT NULL,
    metric        VARCHAR NOT NULL,
    value         DOUBLE,
    source_id     INTEGER NOT NULL,
    PRIMARY KEY (attribute, group_a, group_b, period_start, metric)
);
