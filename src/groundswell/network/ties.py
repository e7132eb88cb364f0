"""The tie rules (DESIGN section 4, docs/tie-rules.md): from interactions to weighted ties.

One query defines the rules, so the analysis, the benchmarks and every later engine use the
same definition:

1. only interactions inside the window, of a kind that has a weight, by no bot;
2. broadcasts make no tie: an act addressed to more than ``broadcast_threshold`` people;
3. aggregate per (actor, target[, period]) on the identifiers the source used, then resolve
   aliases (an email and an HR id of one person) and aggregate again — resolving after the
   first aggregation keeps the join small;
4. acts toward oneself make no tie; with an org chart, only people employed during the
   window take part (externals and leavers are excluded) unless ``internal_only`` is off;
5. a tie needs at least ``min_interactions`` acts; its weight is the sum of the kind weights,
   each optionally decayed by age with a half-life.

The formal layer is the reporting line: one tie from each person to their manager. Each
survey question is a layer of its own (``survey:advice``, ...): every nomination is a tie,
weighted by its strength, whatever the window (a survey is a snapshot, not a stream). The
``collaboration`` layer holds pairs a source has already aggregated (Viva Insights).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import pandas as pd

from groundswell.errors import ConfigError

if TYPE_CHECKING:
    import duckdb

    from groundswell.network.window import Window

LAYERS = ("digital", "formal", "collaboration")
PERIODS = ("day", "week", "month")
#: time zone names that are UTC itself (no offset, no daylight saving, ever)
UTC_NAMES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu",
     "GMT", "Etc/GMT", "Etc/GMT0", "Etc/GMT+0", "Etc/GMT-0", "GMT0", "GMT+0", "GMT-0",
     "Etc/Greenwich", "Greenwich"}
)  # fmt: skip


@dataclass(frozen=True)
class TieRules:
    """The parameters of the tie rules; defaults are the workspace settings' defaults."""

    min_interactions: int = 2
    broadcast_threshold: int = 25
    decay_half_life_days: float = 0.0
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "reply": 1.0,
            "mention": 1.0,
            "reaction": 0.5,
            "dm": 1.0,
            "email_to": 1.0,
            "email_cc": 0.5,
            "meeting": 1.0,
            "message": 1.0,
        }
    )
    internal_only: bool = True

    @classmethod
    def from_settings(cls, ties: dict[str, Any]) -> TieRules:
        return cls(
            min_interactions=int(ties["min_interactions"]),
            broadcast_threshold=int(ties["broadcast_threshold"]),
            decay_half_life_days=float(ties["decay_half_life_days"]),
            weights={k: float(v) for k, v in ties["weights"].items()},
            internal_only=bool(ties.get("internal_only", True)),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "min_interactions": self.min_interactions,
            "broadcast_threshold": self.broadcast_threshold,
            "decay_half_life_days": self.decay_half_life_days,
            "weights": dict(self.weights),
            "internal_only": self.internal_only,
        }


def digital_ties_sql(
    rules: TieRules,
    *,
    period: str | None = None,
    eligible: str | None = None,
    table: str = "interactions",
    aliases: bool = True,
) -> tuple[str, list[Any]]:
    """The SQL of the digital layer and its parameters after the window's start and end.

    The query reads ``table`` (columns of ``interactions``) and, when ``aliases`` is on, the
    ``aliases`` table; with ``eligible`` (a query giving one column ``person_id``) it keeps
    only ties between those people.
    """
    if period is not None and period not in PERIODS:
        raise ConfigError(f"period must be one of {PERIODS}; got {period!r}")
    kind_list, case = _kinds(rules)
    decay = ""
    if rules.decay_half_life_days > 0:
        decay = (
            " * pow(0.5, epoch($2::TIMESTAMPTZ - ts) / "
            f"{float(rules.decay_half_life_days) * 86400!r})"
        )
    per = f", date_trunc('{period}', ts) AS period" if period else ""
    per_col = ", period" if period else ""
    raw = (
        f"SELECT actor_id, target_id{per}, count(*) AS n, "
        f"sum(weight * (CASE kind {case} END){decay}) AS w "
        f"FROM {table} WHERE ts >= $1 AND ts < $2 AND NOT is_bot "
        f"AND n_recipients <= $3 AND kind IN ({kind_list}) "
        f"GROUP BY actor_id, target_id{per_col}"
    )
    if aliases:
        resolved = (
            f"SELECT coalesce(a1.person_id, r.actor_id) AS actor_id, "
            f"coalesce(a2.person_id, r.target_id) AS target_id{per_col}, n, w FROM raw r "
            f"LEFT JOIN aliases a1 ON a1.alias_id = r.actor_id "
            f"LEFT JOIN aliases a2 ON a2.alias_id = r.target_id"
        )
    else:
        resolved = "SELECT * FROM raw"
    where = "actor_id <> target_id"
    pre = ""
    if eligible:
        pre = f"eligible AS ({eligible}), "
        where += (
            " AND actor_id IN (SELECT person_id FROM eligible)"
            " AND target_id IN (SELECT person_id FROM eligible)"
        )
    sql = (
        f"WITH {pre}raw AS ({raw}), resolved AS ({resolved}) "
        f"SELECT actor_id, target_id{per_col}, sum(n)::BIGINT AS n, sum(w) AS weight "
        f"FROM resolved WHERE {where} GROUP BY actor_id, target_id{per_col} "
        f"HAVING sum(n) >= $4"
    )
    return sql, [rules.broadcast_threshold, rules.min_interactions]


def keyed_digital_ties_sql(
    rules: TieRules,
    *,
    period: str | None = None,
    eligible: str | None = None,
    utc: bool = False,
    one_key_each: bool = False,
) -> tuple[str, list[Any]]:
    """The digital layer's query of :func:`digital_ties_sql` on a workspace's integer person
    keys (``interaction_rows`` and ``person_keys``, ``migrations/014_person_keys.sql``): the
    same rules and the same ties, every grouping on integers, and the people of each tie
    left as integers (columns ``actor``, ``target``) that :func:`keyed_names_sql` names.

    Each act's keys are mapped to the numbers of their people (``resolve``: a key's alias's
    person, else the key's own pseudonym, numbered; as many rows as identifiers, joined on
    integers) and the acts are aggregated once per (actor, target[, period]) on those
    numbers. Each act's kind weight comes from a join with the weighted kinds
    (:func:`_kind_weights`), which also drops the kinds without one. With ``utc`` (the
    session's time zone is UTC), a period is truncated on the timestamp without its zone,
    which DuckDB does without its calendar extension and which gives the same instant in
    UTC (the slow path: ``date_trunc`` on a TIMESTAMPTZ). A decayed
    weight takes the act's age in exact seconds; :func:`digital_ties_sql` takes it from a
    calendar interval, which differs by an hour across a daylight-saving change in a session
    outside UTC.

    ``one_key_each`` (:func:`one_key_each`: no two keys are the same person) lets the acts
    be grouped on the keys themselves, as they are stored (the integers out are then
    ``person_keys.person_key``), and the people filter applied to the ties: two acts then
    share a tie exactly when they share their keys.
    """
    if period is not None and period not in PERIODS:
        raise ConfigError(f"period must be one of {PERIODS}; got {period!r}")
    kinds = _kind_weights(rules)
    decay = _keyed_decay(rules)
    per = per_col = per_out = ""
    if period:
        bucket = (
            f"date_trunc('{period}', make_timestamp(epoch_us(i.ts)))"
            if utc
            else f"date_trunc('{period}', i.ts)"
        )
        per, per_col = f", {bucket} AS period", ", period"
        # back to a TIMESTAMPTZ: a period starts on a whole second, which to_timestamp
        # takes exactly and without the calendar (a cast would convert each of the ~1M
        # ties through the session's time zone, UTC: 10% of the query)
        per_out = ", to_timestamp(epoch_us(r.period) // 1000000) AS period" if utc else ", r.period"
    pre = f"eligible AS ({eligible}), " if eligible else ""
    if one_key_each:
        keep = (
            " WHERE r.actor_key IN (SELECT person FROM named)"
            " AND r.target_key IN (SELECT person FROM named)"
            if eligible
            else ""
        )
        named = f"named AS ({_named_keys_sql(eligible is not None)}), " if eligible else ""
        sql = (
            f"WITH {pre}{named}tied AS (SELECT i.actor_key, i.target_key{per}, count(*) AS n, "
            f"sum(i.weight * kw.w{decay}) AS weight "
            f"FROM interaction_rows i JOIN {kinds} kw ON kw.kind = i.kind "
            f"WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.n_recipients <= $3 "
            f"AND i.actor_key <> i.target_key "
            f"GROUP BY i.actor_key, i.target_key{per_col} HAVING count(*) >= $4) "
            f"SELECT r.actor_key AS actor, r.target_key AS target{per_out}, r.n, r.weight "
            f"FROM tied r{keep}"
        )
        return sql, [rules.broadcast_threshold, rules.min_interactions]
    keep = (
        (
            " AND pa.person_id IN (SELECT person_id FROM eligible)"
            " AND pt.person_id IN (SELECT person_id FROM eligible)"
        )
        if eligible
        else ""
    )
    # the self-tie rule is an aggregate (bool_and) so that DuckDB cannot make it a join
    # condition: as a filter pa.person <> pt.person it joined every pair of people first
    # (10,000^2 rows at 10,000 people) and took 30x longer
    sql = (
        f"WITH {pre}resolve AS ({_RESOLVE}), "
        f"tied AS (SELECT pa.person AS actor, pt.person AS target{per}, count(*) AS n, "
        f"sum(i.weight * kw.w{decay}) AS weight "
        f"FROM interaction_rows i JOIN {kinds} kw ON kw.kind = i.kind "
        f"JOIN resolve pa ON pa.person_key = i.actor_key "
        f"JOIN resolve pt ON pt.person_key = i.target_key "
        f"WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.n_recipients <= $3"
        f"{keep} GROUP BY pa.person, pt.person{per_col} "
        f"HAVING count(*) >= $4 AND bool_and(pa.person <> pt.person)) "
        f"SELECT r.actor, r.target{per_out}, r.n, r.weight FROM tied r"
    )
    return sql, [rules.broadcast_threshold, rules.min_interactions]


def _keyed_decay(rules: TieRules) -> str:
    """The factor decaying an act's weight by its age (empty without decay), on the keyed
    store: the age in seconds, exactly (``epoch()`` of an interval counts a calendar day as
    86,400 s, an hour off across a daylight-saving change outside UTC)."""
    if rules.decay_half_life_days <= 0:
        return ""
    return (
        " * pow(0.5, (epoch_us($2::TIMESTAMPTZ) - epoch_us(i.ts)) / "
        f"{float(rules.decay_half_life_days) * 86400e6!r})"
    )


def keyed_acts_sql(rules: TieRules, *, times: bool, one_key_each: bool) -> tuple[str, list[Any]]:
    """The acts the digital layer aggregates, each weighed, on a workspace's integer person
    keys: ``(actor_key, target_key[, us], w)`` for every act inside the window ($1, $2), by
    no bot, addressed to at most ``broadcast_threshold`` people ($3), of a kind with a weight;
    ``w`` is the act's weight times its kind's, decayed by age as in
    :func:`keyed_digital_ties_sql` (the same expression, so the same value), and ``us`` (with
    ``times``) its time in microseconds. With ``one_key_each`` acts between two equal keys
    are left out here; otherwise the self-tie rule needs the keys' people
    (:func:`aggregate_keyed`)."""
    us = ", epoch_us(i.ts) AS us" if times else ""
    self_tie = " AND i.actor_key <> i.target_key" if one_key_each else ""
    sql = (
        f"SELECT i.actor_key, i.target_key{us}, i.weight * kw.w{_keyed_decay(rules)} AS w "
        f"FROM interaction_rows i JOIN {_kind_weights(rules)} kw ON kw.kind = i.kind "
        f"WHERE i.ts >= $1 AND i.ts < $2 AND NOT i.is_bot AND i.n_recipients <= $3{self_tie}"
    )
    return sql, [rules.broadcast_threshold]


#: acts stored (rows of ``interaction_rows``) from which :func:`build_ties` aggregates the
#: digital layer in numba (:func:`aggregate_keyed`) rather than in DuckDB. It saves about
#: 0.06 s of CPU a million acts with weekly periods and 0.02 s without (measured at 10M
#: acts), against numba's start-up, paid once a process (about 0.6 s of CPU, and a
#: compilation of a few seconds on a new installation), which a workspace this large pays
#: anyway (its paths and map use numba kernels); small workspaces never load numba here
FAST_ACTS = 4_000_000
#: the most slots (people x periods) of the kernel's dense row (12 bytes each)
FAST_SLOTS = 1 << 24
_DAY_US = 86_400_000_000
_EPOCH = pd.Timestamp(0, tz="UTC")


def _epoch_us(t: Any) -> int:
    """A datetime (or Timestamp) as whole microseconds since 1970 UTC; without a time zone,
    read in UTC (as a UTC session reads it, the only one where periods take this path)."""
    ts = pd.Timestamp(t)
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts
    return (ts - _EPOCH) // pd.Timedelta(microseconds=1)


def period_edges(start_us: int, end_us: int, period: str | None) -> np.ndarray:
    """The start, in microseconds since 1970 UTC, of every period (``day``, ``week``
    starting on Monday, ``month``) in UTC meeting the window ``[start_us, end_us)``, in
    order: DuckDB's ``date_trunc`` in a UTC session. One value (the start) without a
    period."""
    if period is None:
        return np.array([start_us], dtype=np.int64)
    last = max(end_us - 1, start_us)
    if period == "month":
        months = np.array([start_us, last], dtype="datetime64[us]").astype("datetime64[M]")
        return np.arange(months[0], months[1] + 1).astype("datetime64[us]").astype(np.int64)
    day0, day1 = start_us // _DAY_US, last // _DAY_US
    if period == "week":  # 1970-01-01 was a Thursday: three days after a Monday
        day0 -= (day0 + 3) % 7
        return np.arange(day0, day1 + 1, 7, dtype=np.int64) * _DAY_US
    return np.arange(day0, day1 + 1, dtype=np.int64) * _DAY_US


def aggregate_keyed(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    rules: TieRules,
    *,
    period: str | None = None,
    eligible: str | None = None,
    one_key_each: bool = False,
) -> pd.DataFrame | None:
    """The ties of :func:`keyed_digital_ties_sql` (same columns, same rows, same integers:
    keys with ``one_key_each``, numbered people otherwise), the acts aggregated in numba
    (:mod:`groundswell.network._ties_kernel`) instead of by DuckDB's hash aggregation; the
    rows come in order of actor, then of each tie's first act in the store (the same order
    whatever the number of threads). ``None`` when this path does not
    apply: a period outside a UTC session (the calendar of another zone), fewer than
    :data:`FAST_ACTS` acts stored, people too many or keys too sparse for the kernel's dense
    row (:data:`FAST_SLOTS`). With ``eligible`` and ``one_key_each`` the ties of people not
    employed in the window are kept (their keys have no name: :func:`name_keyed_ties`
    drops them, as the query's filter does)."""
    if period is not None and not utc_session(con):
        return None
    acts = _fact(
        con, "acts", lambda: con.execute("SELECT count(*) FROM interaction_rows").fetchall()[0][0]
    )
    if acts < FAST_ACTS:
        return None
    start_us, end_us = _epoch_us(window.start), _epoch_us(window.end)
    edges = period_edges(start_us, end_us, period)
    ((low, top, keys),) = con.execute(
        "SELECT min(person_key), max(person_key), count(*) FROM person_keys"
    ).fetchall()
    if not keys or low < 0 or top > 4 * keys + 1024:
        return None
    if one_key_each:
        person = np.empty(0, dtype=np.int32)
        n_people = int(top) + 1
    else:
        where = " WHERE person_id IN (SELECT person_id FROM eligible)" if eligible else ""
        pre = f"eligible AS ({eligible}), " if eligible else ""
        rows = con.execute(
            f"WITH {pre}resolve AS ({_RESOLVE}) SELECT person_key, person FROM resolve{where}",
            [window.start, window.end] if eligible else [],
        ).fetchnumpy()
        person = np.full(int(top) + 1, -1, dtype=np.int32)
        person[rows["person_key"]] = rows["person"]
        n_people = int(rows["person"].max()) + 1 if len(rows["person"]) else 1
    if n_people * len(edges) > FAST_SLOTS:
        return None
    from groundswell.network._ties_kernel import aggregate

    sql, params = keyed_acts_sql(rules, times=period is not None, one_key_each=one_key_each)
    got = con.sql(sql, params=[window.start, window.end, *params]).fetchnumpy()
    us = got["us"] if period is not None else np.empty(0, dtype=np.int64)
    a, t, b, n, w = aggregate(
        np.ascontiguousarray(got["actor_key"], dtype=np.int32),
        np.ascontiguousarray(got["target_key"], dtype=np.int32),
        np.ascontiguousarray(us, dtype=np.int64),
        np.ascontiguousarray(got["w"], dtype=np.float64),
        person,
        n_people,
        edges,
        int(rules.min_interactions),
    )
    out = {"actor": a, "target": t}
    if period is not None:
        # the column DuckDB gives a TIMESTAMPTZ in this session (its time zone's name)
        dtype = con.execute("SELECT $1::TIMESTAMPTZ AS p", [window.start]).df()["p"].dtype
        starts = pd.DatetimeIndex(edges[b].astype("datetime64[us]")).tz_localize("UTC")
        out["period"] = starts.tz_convert(dtype.tz)
    out |= {"n": n, "weight": w}
    return pd.DataFrame(out)


#: every key's person (its alias's person, else itself), numbered: a few thousand rows
_RESOLVE = (
    "SELECT k.person_key, coalesce(a.person_id, k.pseudonym) AS person_id, "
    "dense_rank() OVER (ORDER BY coalesce(a.person_id, k.pseudonym))::INTEGER AS person "
    "FROM person_keys k LEFT JOIN aliases a ON a.alias_id = k.pseudonym"
)


def _named_keys_sql(eligible: bool) -> str:
    """Each key's person (its alias's person, else itself); with ``eligible`` (a CTE of that
    name giving ``person_id``) only the keys of those people."""
    person = "coalesce(a.person_id, k.pseudonym)"
    where = f" WHERE {person} IN (SELECT person_id FROM eligible)" if eligible else ""
    return (
        f"SELECT k.person_key AS person, {person} AS person_id "
        f"FROM person_keys k LEFT JOIN aliases a ON a.alias_id = k.pseudonym{where}"
    )


def keyed_names_sql(*, eligible: str | None = None, one_key_each: bool = False) -> str:
    """The people the integers of :func:`keyed_digital_ties_sql`'s ties stand for: one row
    ``(person, person_id)`` per integer, ``person_id`` the pseudonym the ties are named by
    (a few thousand rows, joined to the ties in :func:`build_ties` by position instead of
    by a hash join of strings). Its parameters are the window's start and end when
    ``eligible`` is given, none otherwise."""
    if one_key_each:
        pre = f"WITH eligible AS ({eligible}) " if eligible else ""
        return pre + _named_keys_sql(eligible is not None)
    return f"WITH resolve AS ({_RESOLVE}) SELECT DISTINCT person, person_id FROM resolve"


def name_keyed_ties(ties: pd.DataFrame, names: pd.DataFrame) -> pd.DataFrame:
    """Name the people of keyed ties (columns ``actor``, ``target``, ...) by the pseudonyms
    of ``names`` (columns ``person``, ``person_id``: :func:`keyed_names_sql`), as the inner
    join of the two on the integers would: a tie whose integer has no name is dropped. The
    names are looked up by position (the integers are small and dense: a table of
    positions, else a sorted search), so the 1M strings of a large tie table are taken from
    a few thousand names instead of being built one by one from DuckDB's."""
    person = names["person"].to_numpy().astype(np.int64)
    actor = ties["actor"].to_numpy().astype(np.int64)
    target = ties["target"].to_numpy().astype(np.int64)
    sides = (actor, target)
    low = min((int(v.min()) for v in (person, *sides) if len(v)), default=0)
    top = max((int(v.max()) for v in (person, *sides) if len(v)), default=0)
    if low >= 0 and top <= 4 * (len(person) + len(actor)) + 1024:
        where = np.full(top + 1, -1, dtype=np.int64)
        where[person] = np.arange(len(person))
        pos = [where[v] for v in sides]
    else:
        order = np.argsort(person, kind="stable")
        keys = person[order]
        pos = []
        for v in sides:
            i = np.searchsorted(keys, v).clip(0, max(len(keys) - 1, 0))
            hit = keys[i] == v if len(keys) else np.zeros(len(v), dtype=bool)
            pos.append(np.where(hit, order[i] if len(keys) else 0, -1))
    found = (pos[0] >= 0) & (pos[1] >= 0)
    out = ties.drop(columns=["actor", "target"])
    if not found.all():
        out = out[found].reset_index(drop=True)
        pos = [p[found] for p in pos]
    ids = names["person_id"].array
    out.insert(0, "actor_id", ids.take(pos[0]))
    out.insert(1, "target_id", ids.take(pos[1]))
    return out


def _kind_weights(rules: TieRules) -> str:
    """The digital layer's kinds of act (as :func:`_kinds`) with their weights, as a table
    ``(kind, w)`` to join the acts to: one hash join on the kind instead of a membership test
    and a CASE of string comparisons on every act (the keyed query's choice)."""
    rows = [
        f"({_quote(k)}, {float(w)!r}::DOUBLE)"
        for k, w in rules.weights.items()
        if w > 0 and not k.startswith("survey:")
    ]
    if not rows:
        return "(SELECT NULL::VARCHAR AS kind, NULL::DOUBLE AS w WHERE false)"
    return f"(SELECT * FROM (VALUES {', '.join(rows)}) v(kind, w))"


def _kinds(rules: TieRules) -> tuple[str, str]:
    """The digital layer's kinds of act (weighted above zero, not survey answers) as an SQL
    list, and the CASE arms giving each kind its weight: one rule for both tie queries."""
    kinds = [k for k, w in rules.weights.items() if w > 0 and not k.startswith("survey:")]
    case = " ".join(f"WHEN {_quote(k)} THEN {float(w)!r}" for k, w in rules.weights.items())
    return ", ".join(_quote(k) for k in kinds) or "NULL", case


def _quote(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


def collaboration_ties_sql(restrict: bool) -> str:
    """Ties of the ``collaboration`` layer: pairs a source has already aggregated (Microsoft
    Viva Insights' person-to-person query). Each row is a period's verdict on a pair, so one
    is enough for a tie; its weight is the sum of the pair's scores inside the window."""
    eligible = f"eligible AS ({eligible_people_sql()}), " if restrict else ""
    keep = (
        " AND actor_id IN (SELECT person_id FROM eligible)"
        " AND target_id IN (SELECT person_id FROM eligible)"
        if restrict
        else ""
    )
    return (
        f"WITH {eligible}resolved AS ("
        "SELECT coalesce(a1.person_id, i.actor_id) AS actor_id, "
        "coalesce(a2.person_id, i.target_id) AS target_id, i.weight "
        "FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
        "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id WHERE i.kind = 'collaboration' "
        "AND i.ts >= $1 AND i.ts < $2 AND i.n_recipients <= $3) "
        "SELECT actor_id, target_id, count(*)::BIGINT AS n, sum(weight) AS weight "
        f"FROM resolved WHERE actor_id <> target_id{keep} GROUP BY actor_id, target_id"
    )


def survey_ties_sql(restrict: bool) -> str:
    """Ties of one survey question ($3): each nomination is a tie, weighted by its strength.

    $1 and $2 (the window) only decide who is employed when ``restrict`` is on.
    """
    eligible = f"eligible AS ({eligible_people_sql()}), " if restrict else ""
    keep = (
        " AND actor_id IN (SELECT person_id FROM eligible)"
        " AND target_id IN (SELECT person_id FROM eligible)"
        if restrict
        else " AND $1::TIMESTAMPTZ <= $2::TIMESTAMPTZ"
    )
    return (
        f"WITH {eligible}resolved AS ("
        "SELECT coalesce(a1.person_id, i.actor_id) AS actor_id, "
        "coalesce(a2.person_id, i.target_id) AS target_id, i.weight "
        "FROM interactions i LEFT JOIN aliases a1 ON a1.alias_id = i.actor_id "
        "LEFT JOIN aliases a2 ON a2.alias_id = i.target_id WHERE i.kind = $3) "
        "SELECT actor_id, target_id, count(*)::BIGINT AS n, max(weight) AS weight "
        f"FROM resolved WHERE actor_id <> target_id{keep} GROUP BY actor_id, target_id"
    )


def eligible_people_sql() -> str:
    """People employed during the window ($1, $2): hired before its end, not gone before it."""
    return (
        "SELECT person_id FROM people WHERE is_internal "
        "AND (hire_date IS NULL OR hire_date < $2::DATE) "
        "AND (leave_date IS NULL OR leave_date >= $1::DATE)"
    )


T = TypeVar("T")
#: what :func:`facts_kept` keeps, in the thread that opened it: (fact, id of the connection)
#: -> (the connection, the answer)
_KEPT = threading.local()


@contextmanager
def facts_kept() -> Iterator[None]:
    """Within this block, in this thread, what :func:`has_orgchart`, :func:`keyed`,
    :func:`one_key_each` and :func:`utc_session` answer of a connection, and the number of
    acts stored (:func:`aggregate_keyed`), are asked of it once: ``analyze`` builds the ties
    of several windows from data nothing changes while it runs, and each :func:`build_ties`
    asked them all again (some twenty small queries on a 200-person workspace). Only for a
    block in which nothing is ingested: an ingest can add the org chart or aliases. Blocks
    nest (the outermost one owns what is kept); nothing is kept after it, nor for another
    thread."""
    owner = getattr(_KEPT, "facts", None) is None
    if owner:
        _KEPT.facts = {}
    try:
        yield
    finally:
        if owner:
            del _KEPT.facts


def _fact(con: duckdb.DuckDBPyConnection, name: str, ask: Callable[[], T]) -> T:
    """``ask()``, once per connection while :func:`facts_kept` is open (else every time)."""
    kept: dict[tuple[str, int], tuple[Any, Any]] | None = getattr(_KEPT, "facts", None)
    if kept is None:
        return ask()
    key = (name, id(con))
    held = kept.get(key)
    if held is None or held[0] is not con:  # the connection is kept: its id is not reused
        held = kept[key] = (con, ask())
    return held[1]


def keyed(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s interactions keep integer person keys (``interaction_rows`` and the
    ``person_keys`` dictionary, ``migrations/014_person_keys.sql``). A lake's connection, or a
    workspace of an older schema written before it is migrated (in tests), keeps
    pseudonyms in a table ``interactions``."""
    return _fact(
        con,
        "keyed",
        lambda: (
            con.execute(
                "SELECT count(*) FROM duckdb_tables() WHERE database_name = current_database() "
                "AND schema_name = 'main' AND table_name IN ('interaction_rows', 'person_keys')"
            ).fetchall()[0][0]
            == 2
        ),
    )


def one_key_each(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether no two person keys resolve to one person through ``aliases`` (each person
    acted under one identifier): then the tie rules can group on the stored keys."""
    return _fact(
        con,
        "one_key_each",
        lambda: bool(
            con.execute(
                "SELECT count(*) = count(DISTINCT coalesce(a.person_id, k.pseudonym)) "
                "FROM person_keys k LEFT JOIN aliases a ON a.alias_id = k.pseudonym"
            ).fetchall()[0][0]
        ),
    )


def utc_session(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether ``con``'s time zone is UTC (periods then truncate without the calendar)."""
    return _fact(
        con,
        "utc_session",
        lambda: (
            str(con.execute("SELECT current_setting('TimeZone')").fetchall()[0][0]) in UTC_NAMES
        ),
    )


def has_orgchart(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether an HR org chart was ingested (people seen only in chat or email do not count:
    they say nothing about who is employed)."""
    return _fact(
        con,
        "has_orgchart",
        lambda: bool(
            con.execute("SELECT count(*) FROM sources WHERE kind = 'orgchart'").fetchall()[0][0]
        ),
    )


def check_layers(layers: tuple[str, ...]) -> None:
    """Raise a ConfigError naming any layer that is neither in LAYERS nor ``survey:Q``."""
    unknown = [layer for layer in layers if layer not in LAYERS and not layer.startswith("survey:")]
    if unknown:
        raise ConfigError(
            f"unknown layer(s) {unknown}; expected some of {list(LAYERS)} or survey:QUESTION"
        )


def formal_ties_sql() -> str:
    """Ties of the ``formal`` layer: each person employed in the window ($1, $2) to their
    manager, if the manager is employed too."""
    return (
        f"WITH eligible AS ({eligible_people_sql()}) "
        "SELECT person_id AS actor_id, manager_id AS target_id, 1::BIGINT AS n, "
        "1.0::DOUBLE AS weight FROM people WHERE manager_id IS NOT NULL "
        "AND person_id IN (SELECT person_id FROM eligible) "
        "AND manager_id IN (SELECT person_id FROM eligible)"
    )


def layer_queries(
    window: Window,
    rules: TieRules,
    layers: tuple[str, ...],
    *,
    restrict: bool,
    period: str | None = None,
    keys: bool = False,
    utc: bool = False,
    one_key_each: bool = False,
) -> list[tuple[str, str, list[Any]]]:
    """Every query the tie rules need: ``(layer, sql, params)`` for each layer, in order.

    The one definition every engine runs: DuckDB executes ``sql`` with ``params``
    (:func:`build_ties`); the Spark engine binds the parameters and translates the same text
    (:mod:`groundswell.engines.translate`). ``restrict`` keeps only people employed in the
    window (``rules.internal_only`` and an org chart was ingested). ``keys``: the digital
    layer reads a workspace's integer person keys (:func:`keyed_digital_ties_sql`; DuckDB
    only; its ties name people by integers, which :func:`keyed_names_sql` and
    :func:`name_keyed_ties` turn into pseudonyms), ``utc`` telling it the session's time
    zone is UTC and ``one_key_each`` that no two keys are one person.
    """
    check_layers(layers)
    out: list[tuple[str, str, list[Any]]] = []
    if "digital" in layers:
        eligible = eligible_people_sql() if restrict else None
        if keys:
            sql, params = keyed_digital_ties_sql(
                rules, period=period, eligible=eligible, utc=utc, one_key_each=one_key_each
            )
        else:
            sql, params = digital_ties_sql(rules, period=period, eligible=eligible)
        out.append(("digital", sql, [window.start, window.end, *params]))
    if "formal" in layers:
        out.append(("formal", formal_ties_sql(), [window.start, window.end]))
    if "collaboration" in layers:
        out.append(
            (
                "collaboration",
                collaboration_ties_sql(restrict),
                [window.start, window.end, rules.broadcast_threshold],
            )
        )
    for layer in (x for x in layers if x.startswith("survey:")):
        out.append((layer, survey_ties_sql(restrict), [window.start, window.end, layer]))
    return out


def build_ties(
    con: duckdb.DuckDBPyConnection,
    window: Window,
    rules: TieRules,
    *,
    layers: tuple[str, ...] = ("digital",),
    period: str | None = None,
) -> pd.DataFrame:
    """Ties of the chosen layers: a DataFrame (actor_id, target_id, layer, [period,] n, weight)."""
    check_layers(layers)
    restrict = rules.internal_only and has_orgchart(con)
    keys = "digital" in layers and keyed(con)
    utc = keys and period is not None and utc_session(con)
    single = keys and one_key_each(con)
    frames = []
    for layer, sql, params in layer_queries(
        window,
        rules,
        layers,
        restrict=restrict,
        period=period,
        keys=keys,
        utc=utc,
        one_key_each=single,
    ):
        if keys and layer == "digital":
            eligible = eligible_people_sql() if restrict else None
            fast = aggregate_keyed(
                con, window, rules, period=period, eligible=eligible, one_key_each=single
            )
            df = con.execute(sql, params).df() if fast is None else fast
            names = con.execute(
                keyed_names_sql(eligible=eligible, one_key_each=single),
                [window.start, window.end] if eligible and single else [],
            ).df()
            df = name_keyed_ties(df, names)
        else:
            df = con.execute(sql, params).df()
        df.insert(2, "layer", layer)
        frames.append(df)
    return frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)


def active_people(con: duckdb.DuckDBPyConnection, window: Window, rules: TieRules) -> pd.Series:
    """Everyone who belongs in the graph of a window, tied or not.

    With an org chart: the people employed during the window. Without one: every non-bot
    person who acted or was addressed (not by a broadcast) in the window.
    """
    if rules.internal_only and has_orgchart(con):
        sql = eligible_people_sql()
    else:
        sql = (
            "WITH ids AS (SELECT actor_id AS id FROM interactions WHERE ts >= $1 AND ts < $2 "
            "AND NOT is_bot UNION SELECT target_id FROM interactions WHERE ts >= $1 "
            "AND ts < $2 AND NOT is_bot AND n_recipients <= $3 "
            "UNION SELECT author_id FROM messages WHERE ts >= $1 AND ts < $2 AND NOT is_bot) "
            "SELECT DISTINCT coalesce(a.person_id, ids.id) AS person_id FROM ids "
            "LEFT JOIN aliases a ON a.alias_id = ids.id"
        )
        return con.execute(sql, [window.start, window.end, rules.broadcast_threshold]).df()[
            "person_id"
        ]
    return con.execute(sql, [window.start, window.end]).df()["person_id"]
