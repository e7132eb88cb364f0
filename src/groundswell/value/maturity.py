"""Value maturity: how far a person, a group or the whole network has come along Simon
Terry's five stages — connect, share, solve, innovate, lead change — measured with the same
rules at every scale.

Every stage is a handful of *indicators*, each a ratio of two counts (``reciprocated out-ties
/ out-ties``, ``questions answered / questions taken part in``, ...). A person's indicator is
the ratio of their own counts; a group's (department, team, Leiden community, channel) and the
network's is the ratio of the counts summed over its members. That is what "the same rules at
every scale" means here: one table of per-person counts, summed at each scale, divided the
same way. A stage's score is the mean of its indicators (0 to 1); an indicator the workspace
has no data for at all (no adoptions ingested, no question asked in the window) is left out
of the mean, while a unit without events of its own scores 0 on it (no evidence, no credit).
A unit is placed on the highest stage whose score reaches its threshold
(``value.*_threshold``) with every earlier stage reached too: the stages are a ladder, each
built on the one before (a network does not solve problems it is not connected enough to
hear about), so a unit that shares a lot but connects little stays at ``none``. The rules
and their reasoning are in docs/value.md.

References
----------
Terry, S. (2013–2016). "The value maturity model for enterprise social networks" and
"Collaboration and networks: connect, share, solve, innovate, lead change" (Simon Terry's
blog, *Change Agents Worldwide*). SWOOP Analytics (2016). *Benchmarking report* (the same
five-stage model applied to Yammer networks). Burt, R. S. (2004). Structural holes and good
ideas. *American Journal of Sociology* 110(2) — ties across boundaries and new ideas.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import pandas as pd

from groundswell import _sets
from groundswell.privacy import SUPPRESSED
from groundswell.value._base import among, answered_across, gate_rows, question_positions, ratio

STAGES = ("connect", "share", "solve", "innovate", "lead_change")
SCALES = ("person", "department", "team", "community", "channel", "network")
#: per stage: (indicator name, numerator count, denominator count)
INDICATORS: dict[str, list[tuple[str, str, str]]] = {
    "connect": [
        ("reciprocated", "out_recip", "out_ties"),
        ("across", "across", "contacts"),
        ("new_ties", "new", "contacts"),
    ],
    "share": [("responded", "responded", "posts"), ("beyond", "beyond", "posts")],
    "solve": [
        ("answered", "q_answered", "q_involved"),
        ("fast", "q_fast", "q_involved"),
        ("answered_across", "q_across", "q_involved"),
    ],
    "innovate": [
        ("new_across", "new_across", "contacts"),
        ("new_communities", "in_new", "people"),
    ],
    "lead_change": [
        ("open", "msgs_open", "msgs"),
        ("open_answers", "answers_open", "answers"),
        ("adoption_lead", "followed", "adoptions"),
    ],
}
#: what each stage is measured on, in words: a stage none of whose indicators had data is
#: said to be not measured, with this, rather than shown as everyone at 0 against a line
NEEDS = {
    "connect": "chat, enterprise-social or email interactions in the window",
    "share": "posts in channels or communities",
    "solve": "questions asked in the window",
    "innovate": "ties in the previous window, or channels opened in it",
    "lead_change": "messages in channels, or adoptions",
}


def unmeasured(available: dict[str, bool]) -> list[str]:
    """The stages none of whose indicators the workspace has data for (``available``, as
    :func:`person_counts` says; an indicator not named there has data): not reached, and
    said to be not measured rather than shown as everyone at 0 against a line."""
    return [st for st in STAGES if not any(available.get(n, True) for n, _, _ in INDICATORS[st])]


COUNTS = (
    "out_ties", "out_recip", "contacts", "across", "new", "new_across", "posts", "responded",
    "beyond", "q_involved", "q_answered", "q_fast", "q_across", "people", "in_new", "msgs",
    "msgs_open", "answers", "answers_open", "adoptions", "followed",
)  # fmt: skip


@dataclass
class Frames:
    """What the counts of a window are made of (read by :mod:`groundswell.value.queries`)."""

    members: pd.Index  # everyone in the window's network: the one population counted
    ties: pd.DataFrame  # the window's digital ties: actor_id, target_id, n, weight
    ties_before: pd.DataFrame  # the previous window's
    department: pd.Series  # by person_id
    posts: pd.DataFrame  # queries.post_counts
    questions: pd.DataFrame  # _base.answered: questions and answers
    answers: pd.DataFrame
    new_writers: pd.DataFrame  # queries.new_community_writers
    opened: pd.DataFrame  # queries.open_counts
    adoptions: pd.DataFrame | None  # queries.adoption_counts (None: no adoptions at all)


def maturity(
    counts: pd.DataFrame,
    available: dict[str, bool],
    units: dict[str, pd.DataFrame],
    limits: dict[str, float],
    min_size: int,
) -> pd.DataFrame:
    """Value maturity of every person, department, team, community, channel and the network.

    ``counts`` and ``available`` come from :func:`person_counts`, ``units`` from
    :func:`units`, ``limits`` from :func:`thresholds`.

    Returns
    -------
    pandas.DataFrame
        One row per unit: ``scale``, ``group``, ``size``, a score per stage (:data:`STAGES`),
        ``stage`` (the highest stage reached, ``"none"``), then every indicator. Groups
        smaller than the minimum group size are merged into one :data:`SUPPRESSED` row per
        scale with no figures. ``attrs`` holds the thresholds and the indicators available.
    """
    values = counts[list(COUNTS)].to_numpy()  # read once for every scale
    frames = [
        _pooled(counts, membership, values).assign(scale=scale)
        for scale, membership in units.items()
    ]
    table = pd.concat(frames).rename_axis("group").reset_index()
    out = scores(table, available, limits)
    out = _suppress(out, min_size)
    out.attrs.update({"thresholds": limits, "available": available})
    return out


def _pooled(
    counts: pd.DataFrame, membership: pd.DataFrame, values: np.ndarray | None = None
) -> pd.DataFrame:
    """The counts of :data:`COUNTS` summed over each group's members (membership: person_id,
    group; a row per membership, a group's people counted once in ``size``), by group
    (sorted): the sums of a join of the memberships with ``counts`` grouped by group, on
    integer codes. A member without counts adds nothing, and makes the sums floats as the
    join's missing values would. ``values``: ``counts``' columns of :data:`COUNTS` as one
    array, when already read."""
    cols = list(COUNTS)
    group, labels = pd.factorize(membership["group"], sort=True)
    group = np.asarray(group, dtype=np.int64)
    at = np.asarray(counts.index.get_indexer(membership["person_id"]), dtype=np.int64)
    whole = bool((at >= 0).all())  # every member has counts: the sums stay integers
    keep = group >= 0
    group, at = group[keep], at[keep]
    k = len(labels)
    values = counts[cols].to_numpy() if values is None else values
    found = at >= 0
    sums = np.zeros((k, len(cols)), dtype=np.float64)
    for j in range(len(cols)):  # integer counts: exact in doubles
        sums[:, j] = np.bincount(group[found], weights=values[at[found], j], minlength=k)
    person, _ = pd.factorize(membership["person_id"].to_numpy()[keep])
    person = np.asarray(person, dtype=np.int64)
    named = person >= 0
    width = np.int64(max(int(person.max(initial=-1)) + 1, 1))
    pairs = _sets.unique(group[named] * width + person[named])
    size = np.bincount(pairs // width, minlength=k).astype(np.int64)
    shown = np.bincount(group, minlength=k) > 0
    table = pd.DataFrame(
        sums[shown] if not whole else sums[shown].astype(values.dtype),
        columns=cols,
        index=pd.Index(labels[shown], name="group"),
    )
    table.insert(0, "size", size[shown])
    return table


BASES = ("organisation", "benchmark")


def thresholds(
    s: dict,
    counts: pd.DataFrame | None = None,
    available: dict[str, bool] | None = None,
) -> dict[str, float]:
    """The line of each stage: where a unit's score on that stage counts as reached.

    With ``value.maturity_basis = "organisation"`` (the default) the line of a stage is the
    ``value.<stage>_quantile`` quantile (linear interpolation, as numpy and scipy compute it)
    of the stage's scores of the organisation's own people (``counts``: one row per person
    of the run's network) among those who show the stage at all (score above 0): a person
    reaches *share* when they share at least as well as the typical person who shares. A
    stage nobody shows gets the line 1.0 (only a perfect score would pass). With
    ``"benchmark"`` the lines are the stated profile's ``value.<stage>_threshold`` (see
    docs/value.md, "Where the lines come from"); so they are also without ``counts``.
    """
    basis = str(s.get("maturity_basis", "benchmark"))
    if basis == "benchmark" or counts is None:
        return {stage: float(s[f"{stage}_threshold"]) for stage in STAGES}
    people = scores(counts, available or {}, dict.fromkeys(STAGES, 0.0))
    out = {}
    for stage in STAGES:
        shown = people[stage].to_numpy(dtype="float64")
        shown = shown[np.isfinite(shown) & (shown > 0)]
        q = float(s[f"{stage}_quantile"])
        out[stage] = float(np.quantile(shown, q)) if len(shown) else 1.0
    return out


def basis(s: dict) -> dict[str, object]:
    """Where the lines come from, in words and numbers (stored with the table)."""
    name = str(s.get("maturity_basis", "benchmark"))
    if name == "organisation":
        return {
            "basis": name,
            "quantiles": {st: float(s[f"{st}_quantile"]) for st in STAGES},
            "text": "quantiles of this organisation's own people's scores, among those who "
            "show each stage at all",
        }
    return {
        "basis": name,
        "profile": str(s.get("benchmark_profile", "")),
        "text": f"the fixed lines of the benchmark profile {s.get('benchmark_profile', '')!r}",
    }


def distribution(
    table: pd.DataFrame,
    limits: dict[str, float],
    qs: tuple[float, ...] = (0.1, 0.25, 0.5, 0.75, 0.9),
) -> dict[str, dict[str, object]]:
    """How the people's scores spread on each stage, for the report and the dashboard:
    per stage, the people with any score, those showing the stage (score above 0), the
    quantiles ``qs`` of the scores of those showing it, the line, how many pass the line
    on that stage alone (``pass``) and how many reach the stage on the ladder (``reached``:
    the stage or a later one), and a histogram of all the people's scores in ten bins of
    0.1 (the last one closed)."""
    people = table[table["scale"] == "person"]
    order = {st: i for i, st in enumerate(STAGES)}
    rank = people["stage"].map(order).fillna(-1).to_numpy()
    out: dict[str, dict[str, object]] = {}
    for i, stage in enumerate(STAGES):
        x = people[stage].to_numpy(dtype="float64")
        x = x[np.isfinite(x)]
        shown = x[x > 0]
        hist, _ = np.histogram(x, bins=np.linspace(0.0, 1.0, 11))
        out[stage] = {
            "people": len(x),
            "showing": len(shown),
            "quantiles": {
                f"p{round(q * 100)}": (float(np.quantile(shown, q)) if len(shown) else None)
                for q in qs
            },
            "line": float(limits[stage]),
            "pass": int((x >= limits[stage]).sum()),
            "reached": int((rank >= i).sum()),
            "histogram": [int(h) for h in hist],
        }
    return out


def scores(
    counts: pd.DataFrame, available: dict[str, bool], limits: dict[str, float]
) -> pd.DataFrame:
    """Indicators, stage scores and the stage reached, from summed counts.

    ``counts`` has the columns of :data:`COUNTS` (and any others, kept in front);
    ``available`` says which indicators the workspace has data for.
    """
    n = len(counts)
    made: dict[str, np.ndarray] = {}  # the new columns, made as arrays and added at once
    for stage, inds in INDICATORS.items():
        cols = []
        for name, num, den in inds:
            if available.get(name, True):
                made[name] = ratio(_column(counts, made, num), _column(counts, made, den))
                cols.append(name)
            else:
                made[name] = np.full(n, np.nan)
        # the mean of the stage's indicators, as DataFrame.mean(axis=1) takes it
        made[stage] = (
            pd.DataFrame({c: made[c] for c in cols}).mean(axis=1).to_numpy()
            if cols
            else np.full(n, np.nan)
        )
    reached = np.column_stack([made[st] >= limits[st] for st in STAGES])
    # a ladder: the stage reached is the last one passed with every stage before it passed
    climbed = np.cumprod(reached, axis=1).sum(axis=1)
    last = climbed - 1  # -1 = not even connect
    made["stage"] = np.array([*STAGES, "none"], dtype=object)[last]
    front = [c for c in ("scale", "group", "size") if c in counts]
    names = [name for v in INDICATORS.values() for name, _, _ in v]
    rest = [c for c in counts.columns if c not in front + list(STAGES) + ["stage", *names]]
    added = pd.DataFrame({c: made[c] for c in [*STAGES, "stage", *names]}, index=counts.index)
    kept = [c for c in counts.columns if c not in added.columns]
    out = pd.concat([counts[kept], added], axis=1)[front + list(STAGES) + ["stage", *names, *rest]]
    out.attrs = copy.deepcopy(counts.attrs)
    return out


def _column(counts: pd.DataFrame, made: dict[str, np.ndarray], name: str) -> np.ndarray:
    """A column of ``counts``, or one just made (an indicator)."""
    return made[name] if name in made else counts[name].to_numpy()


def person_counts(f: Frames, fast_hours: float) -> tuple[pd.DataFrame, dict[str, bool]]:
    """The counts of :data:`COUNTS` for every person of the window, and which indicators the
    workspace has data for (see the module docstring)."""
    frames = [_tie_counts(f.ties, f.ties_before, f.department)]
    frames.append(f.posts)
    frames.append(_question_counts(f.questions, f.answers, f.department, fast_hours))
    frames.append(f.new_writers)
    frames.append(f.opened)
    adopt = f.adoptions
    if adopt is None:
        adopt = pd.DataFrame(
            columns=["adoptions", "followed"], index=pd.Index([], name="person_id")
        )
    frames.append(adopt)
    # one population: the people of the window's network (a run's people), no one else
    index = pd.Index(f.members.unique(), name="person_id")
    counts = pd.concat([fr.reindex(index) for fr in frames], axis=1).fillna(0)
    counts["people"] = 1
    counts = counts.reindex(columns=list(COUNTS), fill_value=0).astype("int64")
    counts.index.name = "person_id"
    asked = len(f.questions) > 0
    posted = len(f.posts) > 0  # no post at all (email, Viva, survey data): nothing to share
    # no tie at all in the previous window (the data starts in this one): every contact
    # would count as new, so "new" says nothing and is left out, as docs/value.md says
    before = len(f.ties_before) > 0
    # no digital tie at all in the window (an org chart with Viva Insights' collaboration
    # pairs or survey answers alone): the tie indicators have nothing to measure, and a 0
    # for everyone would read as "no one connects"; no post at all (email, Viva's
    # pairs, surveys): whether anyone works in the open cannot be seen either
    tied = len(f.ties) > 0
    available = {
        "reciprocated": tied,
        "across": tied,
        "new_ties": tied and before,
        "new_across": tied and before,
        "open": posted,
        "responded": posted,
        "beyond": posted,
        "answered": asked,
        "fast": asked,
        "answered_across": asked,
        "open_answers": asked,
        "new_communities": len(f.new_writers) > 0,
        "adoption_lead": f.adoptions is not None,
    }
    return counts, available


# -- the counts, one family at a time ----------------------------------------------------------


def _tie_counts(now: pd.DataFrame, before: pd.DataFrame, dept: pd.Series) -> pd.DataFrame:
    """out_ties, out_recip; contacts (distinct people tied either way), across (contacts in
    another department), new (contacts with no tie either way in the previous window,
    ``before``) and new_across."""
    codes, uniques = pd.factorize(
        pd.concat([now["actor_id"], now["target_id"], before["actor_id"], before["target_id"]])
    )
    n = np.int64(max(len(uniques), 1))
    m, k = len(now), len(before)
    a, b = codes[:m].astype(np.int64), codes[m : 2 * m].astype(np.int64)
    pa_, pb = codes[2 * m : 2 * m + k].astype(np.int64), codes[2 * m + k :].astype(np.int64)
    recip = _sets.isin(b * n + a, a * n + b)
    out_ties = np.bincount(a, minlength=n)
    out_recip = np.bincount(a[recip], minlength=n)
    pair = _sets.unique(np.minimum(a, b) * n + np.maximum(a, b))
    old = _sets.unique(np.minimum(pa_, pb) * n + np.maximum(pa_, pb))
    u, v = pair // n, pair % n
    src, dst = np.concatenate([u, v]), np.concatenate([v, u])
    is_new = np.tile(~_sets.isin(pair, old), 2)
    dcode = pd.Index(dept.reindex(uniques).to_numpy())
    dc = pd.factorize(dcode)[0]  # -1 = unknown department
    cross = (dc[src] >= 0) & (dc[dst] >= 0) & (dc[src] != dc[dst])
    table = pd.DataFrame(
        {
            "out_ties": out_ties,
            "out_recip": out_recip,
            "contacts": np.bincount(src, minlength=n),
            "across": np.bincount(src[cross], minlength=n),
            "new": np.bincount(src[is_new], minlength=n),
            "new_across": np.bincount(src[is_new & cross], minlength=n),
        },
        index=pd.Index(uniques, name="person_id"),
    ).iloc[: len(uniques)]
    return table[table.sum(axis=1) > 0]


def _question_counts(
    qs: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series, fast_hours: float
) -> pd.DataFrame:
    """q_involved (questions asked or answered), q_answered, q_fast (first answer within
    ``answer_hours``), q_across (an answerer from a department other than the asker's)."""
    q = question_flags(qs, ans, dept, fast_hours)
    at = question_positions(q["question_id"], ans["question_id"])
    if at is None:  # questions sharing an id: the join of the frames says what it means
        return _question_counts_joined(q, ans)
    found = at >= 0
    person, ids = pd.factorize(
        np.concatenate(
            [
                np.asarray(q["asker"].to_numpy(), dtype=object),
                np.asarray(ans["answerer"].to_numpy(), dtype=object)[found],
            ]
        )
    )
    person = np.asarray(person, dtype=np.int64)
    question = np.concatenate([np.arange(len(q), dtype=np.int64), at[found]])
    named = person >= 0  # a row without a person is nobody's
    width = np.int64(len(q) + 1)
    pair = _sets.unique(person[named] * width + question[named])  # each (person, question)
    who, which = pair // width, pair % width
    k = len(ids)
    table = pd.DataFrame(
        {
            "q_involved": np.bincount(who, minlength=k),
            **{
                name: np.bincount(who[flag[which]], minlength=k)
                for name, flag in (
                    ("q_answered", q["answered"].to_numpy(dtype=bool)),
                    ("q_fast", q["fast"].to_numpy(dtype=bool)),
                    ("q_across", q["across"].to_numpy(dtype=bool)),
                )
            },
        },
        index=pd.Index(ids, name="person_id"),
    )
    return table[table["q_involved"] > 0]


def _question_counts_joined(q: pd.DataFrame, ans: pd.DataFrame) -> pd.DataFrame:
    who = pd.concat(
        [
            q[["question_id", "asker"]].rename(columns={"asker": "person_id"}),
            ans[["question_id", "answerer"]].rename(columns={"answerer": "person_id"}),
        ]
    ).drop_duplicates()
    rows = who.merge(q[["question_id", "answered", "fast", "across"]], on="question_id")
    return rows.groupby("person_id").agg(
        q_involved=("question_id", "size"),
        q_answered=("answered", "sum"),
        q_fast=("fast", "sum"),
        q_across=("across", "sum"),
    )


def question_flags(
    qs: pd.DataFrame, ans: pd.DataFrame, dept: pd.Series, fast_hours: float
) -> pd.DataFrame:
    """Each question with ``fast`` (first answer within ``fast_hours``) and ``across`` (an
    answerer whose department is known and differs from the asker's known department)."""
    q = qs.copy()
    q["fast"] = q["answered"] & (q["hours"] <= fast_hours)
    q["across"] = answered_across(q, ans, dept)
    return q


# -- the units --------------------------------------------------------------------------------


def units(
    index: pd.Index,
    people: pd.DataFrame,
    communities: pd.Series | None,
    channel_members: pd.DataFrame,
) -> dict[str, pd.DataFrame]:
    """Membership (person_id, group) of every unit at every scale: each person of ``index``,
    their department and team (from ``people``), their Leiden community (when there is a
    run), the group channels they wrote in (``channel_members``: person_id, group) and the
    network."""
    people = people.reindex(index)
    ids = pd.Series(index, index=index)
    out = {"person": pd.DataFrame({"person_id": index, "group": index})}
    for attr in ("department", "team"):
        out[attr] = pd.DataFrame(
            {"person_id": index, "group": people[attr].fillna("(unknown)").astype(str).to_numpy()}
        )
    if communities is not None:
        comm = communities[among(communities.index, index)]
        out["community"] = pd.DataFrame(
            {"person_id": comm.index, "group": comm.astype(str).to_numpy()}
        )
    out["channel"] = channel_members
    out["network"] = pd.DataFrame({"person_id": ids.to_numpy(), "group": "all"})
    return out


def _suppress(table: pd.DataFrame, min_size: int) -> pd.DataFrame:
    """The groups the privacy gate suppresses (:func:`~groundswell.privacy.suppressed_groups`
    per scale: below ``min_size`` people, and as many more as it takes that none follows
    from the network's size less the shown ones) become one :data:`SUPPRESSED` row per scale
    with no figures (people and the network are never suppressed: a person is not a group
    figure, and the network is everyone)."""
    ungated = table["scale"].isin(["person", "network"])
    kept, merged = gate_rows(
        table[~ungated], size="size", name="group", min_size=min_size, within="scale"
    )
    if merged.empty:
        return table.reset_index(drop=True)
    out = pd.concat([table[ungated], kept, merged], ignore_index=True)
    order = {s: i for i, s in enumerate(SCALES)}
    key = out["scale"].map(order)
    return out.iloc[np.lexsort([out["group"] == SUPPRESSED, key])].reset_index(drop=True)


def stored_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The rows of a maturity table as the ``maturity`` table stores them (scale, group,
    size, the stages, stage; several suppressed groups share one row per scale already, so
    the key stays unique)."""
    rows = table[["scale", "group", "size", *STAGES, "stage"]].copy()
    rows["group"] = rows["group"].astype(str)
    return rows


def summary(table: pd.DataFrame) -> dict[str, object]:
    """The network's scores and stage, and how many units of each scale reached each stage."""
    net = table[table["scale"] == "network"].iloc[0]
    dist = (
        table[table["group"] != SUPPRESSED]
        .groupby("scale")["stage"]
        .value_counts()
        .unstack(fill_value=0)
        .reindex(columns=[*STAGES, "none"], fill_value=0)
    )
    return {
        "network": {st: float(net[st]) for st in STAGES} | {"stage": net["stage"]},
        "stages": {scale: {k: int(v) for k, v in row.items()} for scale, row in dist.iterrows()},
    }
