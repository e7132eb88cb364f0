"""What the value measures share: the kinds of channel and message they count, the checks of
the ``[value]`` settings, the questions of a window joined to their answers, the privacy gate
applied to a table of groups, and small arithmetic.

Everything here is a pure function of frames and values: the rows come from
:mod:`groundswell.value.queries`, the one module of the package that reads the workspace.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from groundswell import config
from groundswell.errors import ConfigError
from groundswell.network.window import Window
from groundswell.privacy import SUPPRESSED, suppressed_groups

#: channel kinds where anyone in the organisation can read and answer
OPEN_KINDS = ("public", "community")
#: channel kinds that are groups of people talking in the open or in a closed room (not DMs,
#: meetings or mailing lists)
GROUP_KINDS = ("public", "private", "community")
#: message kinds that answer a thread or respond to a post
ANSWER_KINDS = ("reply",)
RESPONSE_KINDS = ("reply", "reaction", "share", "reshare")
#: a new channel must start this long after the first message in the workspace (channels
#: seen at the very start of the data are old ones whose history was not exported)
WARM_UP_DAYS = 7
_TYPES: dict[str, type[int] | tuple[type[int], type[float]]] = {
    "answer_hours": (int, float),
    "leader_level": int,
    "session_gap_hours": (int, float),
    "session_min_answers": int,
    "respond_hours": (int, float),
    "onboarding_ties": int,
}


#: settings that are shares (0 to 1); so are every ``*_quantile`` and ``*_threshold``
_SHARES = (
    "team_room_team_share", "team_room_department_share", "purpose_first_share",
    "purpose_origin_share", "practice_question_share", "practice_answered_share",
    "practice_across_share",
)  # fmt: skip


def check_settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The ``[value]`` settings (defaults already merged in), each checked: ConfigError
    naming the first setting out of its range."""
    out = dict(values)
    for key, value in out.items():
        if key == "qa_channel_patterns":
            ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            allowed = 'a list of words such as ["help", "ask"]'
        elif key == "purpose_channels":
            ok = isinstance(value, list) and all(isinstance(v, str) and v for v in value)
            allowed = 'a list of channel names or patterns such as ["proj-*"]'
        elif key == "maturity_basis":
            ok, allowed = value in ("organisation", "benchmark"), '"organisation" or "benchmark"'
        elif key == "benchmark_profile":
            ok, allowed = isinstance(value, str), "the name of a profile"
        elif key in _SHARES or key.endswith(("_quantile", "_threshold")):
            ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
            allowed = "a number from 0 to 1"
        elif key in _TYPES:
            ok = isinstance(value, _TYPES[key]) and not isinstance(value, bool) and value > 0
            allowed = "a number > 0"
        else:
            ok = isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
            allowed = "a number >= 0"
        if not ok:
            raise ConfigError(
                f"{config.CONFIG_FILE}: 'value.{key}' must be {allowed}; got {value!r}"
            )
    return out


def qa_regex(patterns: list[str]) -> str:
    """A regular expression matching a channel name that has one of ``patterns`` as a whole
    word (between ``-``, ``_``, ``.``, spaces or the ends of the name), case-insensitively."""
    words = "|".join(re.escape(p.lower()) for p in patterns)
    return rf"(^|[-_. ])({words})([-_. ]|$)"


#: an interrogative opening or a question mark (text is only stored with content analysis)
TEXT_QUESTION = (
    r"(\?\s*$)|(\?\s)|^\s*(who|what|when|where|why|how|which|can|could|does|do|is|are|should|"
    r"would|will|has|have|any(one|body))\b"
)


def answered(qs: pd.DataFrame, ans: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Questions of a window joined to their answers
    (:func:`groundswell.value.queries.question_rows` reads both).

    Returns
    -------
    (questions, answers)
        ``questions``: question_id, asker, channel_id, channel_kind, channel_name, ts,
        answers (replies), answerers (distinct people), first_answer (time), first_answerer,
        answered, hours (to the first answer). ``answers``: one row per question and
        answerer with the time of that person's first answer (question_id, answerer, ts).
    """
    at = question_positions(qs["question_id"], ans["question_id"])
    if at is None or ans["ts"].isna().any() or ans["answerer"].isna().any():
        per = ans.groupby("question_id").agg(
            answers=("replies", "sum"),
            answerers=("answerer", "size"),
            first_answer=("ts", "first"),
            first_answerer=("answerer", "first"),
        )
        qs = qs.join(per, on="question_id")
    else:  # each question's answer rows by position: counted, and the first one read
        qs = _answer_columns(qs, ans, at)
    qs["answers"] = qs["answers"].fillna(0).astype("int64")
    qs["answerers"] = qs["answerers"].fillna(0).astype("int64")
    qs["answered"] = qs["answers"] > 0
    qs["hours"] = (qs["first_answer"] - qs["ts"]).dt.total_seconds() / 3600
    qs = qs.sort_values(["ts", "question_id"], kind="stable").reset_index(drop=True)
    return qs, ans[["question_id", "answerer", "ts"]]


def _answer_columns(qs: pd.DataFrame, ans: pd.DataFrame, at: np.ndarray) -> pd.DataFrame:
    """``qs`` with answers, answerers (0 without any), first_answer and first_answerer
    (missing without any) from ``ans`` (rows at positions ``at`` of ``qs``; -1: no question
    of ``qs``), as a group-by of ``ans`` on the question joined to ``qs`` gives them."""
    n = len(qs)
    found = np.flatnonzero(at >= 0)
    own = at[found]
    replies = ans["replies"].to_numpy()[found]
    count = np.bincount(own, minlength=n)
    total = np.bincount(own, weights=replies, minlength=n)
    _, first = np.unique(own, return_index=True)  # each question's first answer row
    rows = found[first]
    out = qs.copy()
    out["answers"] = total.astype(np.int64)  # 0 where missing, as answered() fills it
    out["answerers"] = count
    taken = ans[["ts", "answerer"]].iloc[rows].set_axis(own[first], axis=0)
    taken = taken.reindex(pd.RangeIndex(n)).set_axis(qs.index, axis=0)
    out["first_answer"] = taken["ts"]
    out["first_answerer"] = taken["answerer"]
    return out


def among(values: pd.Series | pd.Index, pool: Any) -> np.ndarray:
    """``values.isin(pool)`` as a boolean array, by one hash lookup of the values: pandas'
    ``isin`` on Arrow-backed strings builds a pyarrow scalar per value of a large pool."""
    return np.asarray(pd.Index(pool).unique().get_indexer(values) >= 0)


def question_positions(questions: pd.Series, asked: pd.Series) -> np.ndarray | None:
    """Each of ``asked`` as a position in ``questions`` (-1: not one of them); None when two
    questions share an id."""
    index = pd.Index(questions)
    if not index.is_unique:
        return None
    return np.asarray(index.get_indexer(asked), dtype=np.int64)


def apart(dept: pd.Series, a: pd.Series, b: pd.Series) -> np.ndarray:
    """Whether ``a[i]`` and ``b[i]`` (people) both have a known value in ``dept`` (by
    person; a department, a team) and the two differ, as ``a.map(dept)`` against
    ``b.map(dept)`` says."""
    code = np.asarray(pd.factorize(dept.to_numpy())[0], dtype=np.int64)
    ca = np.asarray(dept.index.get_indexer(a), dtype=np.int64)
    cb = np.asarray(dept.index.get_indexer(b), dtype=np.int64)
    da = np.where(ca >= 0, code[np.maximum(ca, 0)] if len(code) else -1, -1)
    db = np.where(cb >= 0, code[np.maximum(cb, 0)] if len(code) else -1, -1)
    return (da >= 0) & (db >= 0) & (da != db)


def answered_across(q: pd.DataFrame, ans: pd.DataFrame, group: pd.Series) -> np.ndarray:
    """For each question of ``q`` (question_id, asker): whether one of its answers (``ans``:
    question_id, answerer) came from a person whose ``group`` (by person: a department, a
    team) is known and differs from the asker's known one. By positions; by the join of the
    frames where questions share an id or ``group`` holds a person twice."""
    at = question_positions(q["question_id"], ans["question_id"]) if group.index.is_unique else None
    if at is None:
        pairs = ans.merge(q[["question_id", "asker"]], on="question_id")
        ga, gb = pairs["asker"].map(group), pairs["answerer"].map(group)
        pairs["across"] = (ga.notna() & gb.notna() & (ga != gb)).to_numpy()
        hit = pairs.groupby("question_id")["across"].any()
        # a question no one answered across (or no answer at all: ``hit`` empty) is False
        return among(q["question_id"], hit.index[hit.to_numpy(dtype=bool)])
    found = np.flatnonzero(at >= 0)
    asker = pd.Series(q["asker"].to_numpy()[at[found]])
    hit = apart(group, asker, ans["answerer"].iloc[found])
    across = np.zeros(len(q), dtype=bool)
    across[at[found][hit]] = True
    return across


@dataclass(frozen=True)
class TieCodes:
    """Ties as integers: ``ids`` the people, and each tie's ``actor`` and ``target`` as a
    position into ``ids`` (int64; one entry per tie, in the ties' order). The value step
    reads the run's stored ties once in this form (:func:`groundswell.value.queries.run_codes`):
    pseudonyms are text of some twenty characters, and a run of 500,000 people holds 15
    million ties; every measure that needs them turns the pseudonyms it is given into
    positions of its own from ``ids`` alone (one lookup per person, not per tie)."""

    ids: pd.Index
    actor: np.ndarray
    target: np.ndarray

    @classmethod
    def of(cls, ties: pd.DataFrame) -> TieCodes:
        """The ties of a frame (actor_id, target_id), their ids in order of first
        appearance (the actors, then the targets)."""
        m = len(ties)
        both = pd.concat([ties["actor_id"], ties["target_id"]], ignore_index=True)
        codes, ids = pd.factorize(both)
        codes = codes.astype(np.int64)
        return cls(pd.Index(ids), codes[:m], codes[m:])

    def ends(self) -> pd.Index:
        """The people at an end of a tie (in the order of ``ids``)."""
        used = np.zeros(len(self.ids), dtype=bool)
        used[self.actor] = True
        used[self.target] = True
        return self.ids[used]

    def positions(self, index: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """Each tie's actor and target as positions into ``index`` (-1: not in it), as
        ``index.get_indexer`` of the pseudonyms gives them."""
        at = np.asarray(index.get_indexer(self.ids), dtype=np.int64)
        return at[self.actor], at[self.target]


def previous(window: Window) -> Window:
    """The window of the same length just before ``window``."""
    return Window(window.start - (window.end - window.start), window.start)


def ratio(num: pd.Series | np.ndarray, den: pd.Series | np.ndarray) -> np.ndarray:
    """num / den, 0 where den is 0 (no evidence earns no credit)."""
    num = np.asarray(num, dtype="float64")
    den = np.asarray(den, dtype="float64")
    out = np.zeros_like(num)
    np.divide(num, den, out=out, where=den > 0)
    return out


def gate_rows(
    table: pd.DataFrame, *, size: str, name: str, min_size: int, within: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A table of groups through the privacy gate: the rows
    :func:`groundswell.privacy.suppressed_groups` suppresses, judged by their ``size`` column
    (per value of ``within`` when given: one scale, one kind of unit), leave the table.

    Returns the kept rows (in their order) and one row per ``within`` value (a single row
    without ``within``) naming the merged group :data:`SUPPRESSED` in ``name``, with no
    figure and no size: a suppressed group never shows how many it holds. The second frame
    is empty when nothing is suppressed. Rows are judged by position, so two groups sharing
    a name (two channels) are judged apart.
    """
    small = np.zeros(len(table), dtype=bool)
    flat = table.reset_index(drop=True)
    sizes = flat[size]
    if within is None:
        parts = [np.arange(len(flat))]
    else:  # the rows of each value of ``within`` (a missing value: judged nowhere)
        code = np.asarray(pd.factorize(flat[within], sort=True)[0], dtype=np.int64)
        order = np.argsort(code, kind="stable")
        cuts = np.searchsorted(code[order], np.arange(code.max(initial=-1) + 2))
        parts = [order[cuts[g] : cuts[g + 1]] for g in range(len(cuts) - 1)]
    for rows in parts:
        hidden = suppressed_groups(sizes.iloc[rows].reset_index(drop=True), min_size)
        small[rows[sorted(hidden)]] = True
    kept = flat[~small]
    if not small.any():
        return kept, flat.iloc[0:0]
    if within is None:
        merged = pd.DataFrame([{c: np.nan for c in flat.columns} | {name: SUPPRESSED}])
    else:
        merged = flat[small].groupby(within, as_index=False).size()[[within]]
        merged[name] = SUPPRESSED
    return kept, merged
