"""The value measures wired to the workspace: each function reads the frames a measure needs
(:mod:`groundswell.value.queries`, the one module that talks to the database), calls the pure
measure (:mod:`.maturity`, :mod:`.qa`, :mod:`.community_health`, :mod:`.snapshots`,
:mod:`.onboarding`, :mod:`.before_after`) and returns its table. Storing results is
:mod:`.findings`' and :mod:`.timeline`'s part.

Every function takes the workspace (a :class:`~groundswell.store.Store`), a run (the latest
complete one by default) and a window (the run's by default, else the last
``ties.window_days`` of data).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import AnalysisError, InputError
from groundswell.value import (
    before_after,
    community_health,
    queries,
    snapshots,
)
from groundswell.value import (
    maturity as maturity_measure,
)
from groundswell.value import (
    onboarding as onboarding_measure,
)
from groundswell.value import (
    qa as qa_measure,
)
from groundswell.value._base import answered, previous

if TYPE_CHECKING:
    from groundswell.network.window import Window
    from groundswell.run import Run
    from groundswell.store import Store


def _run_and_window(
    ws: Store, run: Run | None, window: str | Window | None
) -> tuple[Run | None, Window]:
    run = run if run is not None else queries.latest_run(ws)
    return run, queries.default_window(ws, run, window)


def questions(
    ws: Store, window: Window, s: dict[str, Any] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The questions of a window joined to their answers (see
    :func:`groundswell.value._base.answered`)."""
    s = s or queries.settings(ws)
    key = ("answered", window.start, window.end, ws.store_content, *s["qa_channel_patterns"])
    return queries.memo(ws, key, lambda: answered(*queries.question_rows(ws, window, s)))


def maturity_frames(ws: Store, win: Window, s: dict[str, Any]) -> maturity_measure.Frames:
    """Everything :func:`groundswell.value.maturity.person_counts` reads of a window."""
    people = queries.people(ws)
    ties = queries.ties(ws, win)
    qs, ans = questions(ws, win, s)
    return maturity_measure.Frames(
        members=queries.members(ws, win),
        ties=ties,
        ties_before=queries.ties(ws, previous(win)),
        department=people["department"],
        posts=queries.post_counts(ws, win),
        questions=qs,
        answers=ans,
        new_writers=queries.new_community_writers(ws, previous(win), win),
        opened=queries.open_counts(ws, win),
        adoptions=queries.adoption_counts(ws, win, ties),
    )


def person_counts(ws: Store, win: Window) -> tuple[pd.DataFrame, dict[str, bool]]:
    """The per-person counts of value maturity in a window, and the indicators available."""
    s = queries.settings(ws)
    return maturity_measure.person_counts(maturity_frames(ws, win, s), float(s["answer_hours"]))


def maturity(
    ws: Store, *, run: Run | None = None, window: str | Window | None = None
) -> pd.DataFrame:
    """Value maturity of every person, department, team, community, channel and the network
    (:func:`groundswell.value.maturity.maturity`); without any run there is no community
    scale. ``attrs`` holds the window, the thresholds and the indicators available."""
    run, win = _run_and_window(ws, run, window)
    s = queries.settings(ws)
    frames = maturity_frames(ws, win, s)
    if run is not None and str(run.window) == str(win):  # the run's own people, no one else
        frames.members = queries.run_people(run)
    counts, available = maturity_measure.person_counts(frames, float(s["answer_hours"]))
    units = maturity_measure.units(
        counts.index,
        queries.people(ws),
        queries.communities(run) if run is not None else None,
        queries.channel_members(ws, win),
    )
    limits = maturity_measure.thresholds(s, counts, available)
    out = maturity_measure.maturity(counts, available, units, limits, ws.settings.min_group_size)
    out.attrs = {"window": str(win), **out.attrs}
    out.attrs["basis"] = maturity_measure.basis(s)
    return out


def store_maturity(ws: Store, run_id: int, table: pd.DataFrame) -> None:
    """Store a maturity table as the run's (replacing any earlier one)."""
    queries.store_maturity(ws, run_id, maturity_measure.stored_rows(table))


def store_personal(run: Run, table: pd.DataFrame) -> dict[str, pd.Index]:
    """Compute and store each person's own view of ``run`` (:mod:`groundswell.value.my_network`):
    stage and next steps from ``table`` (the run's maturity table), bridges, questions, and
    suggested connections (opted-out people left out). Returns the people with a digital tie
    in each earlier window it read (by window), for :func:`group_figures`."""
    from groundswell.value import my_network as personal

    ends: dict[str, pd.Index] = {}

    ws = run.ws
    win = queries.default_window(ws, run, None)
    suggested, bodies = personal.parts(
        run.run_id,
        table,
        queries.run_codes(run),
        queries.people(ws),
        queries.channel_members(ws, win),
        questions(ws, win),
        queries.opted_out(ws, "no_suggest"),
        persona_periods(run, ends=ends),
    )
    queries.store_personal(ws, run.run_id, bodies, suggested)
    return ends


def group_figures(
    run: Run, table: pd.DataFrame, ends: dict[str, pd.Index] | None = None
) -> dict[str, Any]:
    """The ``groups`` finding of ``run`` (:mod:`groundswell.value.group_figures`): renewal, Q&A
    and bridges of every department, team, community and channel the gate shows, on the
    memberships of ``table`` (the run's maturity table: its person scale); ``ends``: the
    people with a digital tie in windows already read (by window), not read again."""
    from groundswell.value import group_figures

    ws = run.ws
    s = queries.settings(ws)
    win = queries.default_window(ws, run, None)
    index = pd.Index(table.loc[table["scale"] == "person", "group"])
    people = queries.people(ws)
    units = maturity_measure.units(
        index, people, queries.communities(run), queries.channel_members(ws, win)
    )
    ends = {} if ends is None else ends
    active = {}
    for key, w in (("w", win), ("p1", previous(win)), ("p2", previous(previous(win)))):
        active[key] = _tie_ends(ws, w, ends)
    qs, ans = questions(ws, win, s)
    frames = group_figures.Frames(
        units=units,
        people=people,
        active=active,
        ties=queries.run_codes(run),
        roles=queries.run_roles(run),
        questions=qs,
        answers=ans,
        answer_hours=float(s["answer_hours"]),
    )
    return {"window": str(win), "scales": group_figures.groups(frames, ws.settings.min_group_size)}


def _tie_ends(ws: Store, w: Window, ends: dict[str, pd.Index]) -> pd.Index:
    """The people with a digital tie in ``w`` (kept in ``ends`` by the window)."""
    key = f"{w.start.isoformat()}/{w.end.isoformat()}"
    if key not in ends:
        t = queries.ties(ws, w)
        ends[key] = pd.Index(pd.concat([t["actor_id"], t["target_id"]])).unique()
    return ends[key]


def persona_periods(
    run: Run, periods: int | None = None, ends: dict[str, pd.Index] | None = None
) -> pd.DataFrame:
    """Each person's persona (:func:`groundswell.analysis.personas.personas`) in the run's
    window and the windows of the same length before it
    (:data:`~groundswell.value.my_network.PERIODS` in all): one column per window, oldest
    first; missing where the person was not in that window's network. The run's own window
    is the run's stored persona; an earlier window's is the rule over that window's network
    (its members and the ends of its digital ties), as a snapshot computes it."""
    from groundswell.analysis import personas
    from groundswell.value.my_network import PERIODS

    ws = run.ws
    win = queries.default_window(ws, run, None)
    wins = [win]
    for _ in range((periods or PERIODS) - 1):
        wins.insert(0, previous(wins[0]))
    cols = {}
    ends = {} if ends is None else ends
    for w, act in zip(wins[:-1], queries.activities(ws, wins[:-1]), strict=True):
        nodes = queries.members(ws, w).union(_tie_ends(ws, w, ends))
        act = act.reindex(nodes).fillna(0).astype("int64")
        cols[w.start.isoformat()] = personas.personas(act)["persona"].astype(str)
    cols[win.start.isoformat()] = queries.run_personas(run).astype(str)
    out = pd.DataFrame(cols)
    out.attrs["windows"] = [(w.start.isoformat(), w.end.isoformat()) for w in wins]
    return out


def default_leaders(ws: Store, s: dict[str, Any] | None = None) -> pd.Index:
    """People at or above ``value.leader_level`` (1 = the top of the hierarchy)."""
    s = s or queries.settings(ws)
    return queries.leaders_by_level(ws, int(s["leader_level"]))


def read_leaders(ws: Store, path: str | Path) -> pd.Index:
    """The leaders named in a CSV or Parquet file (any identifier — HR id, email, chat id —
    in a column ``person`` or the first column), pseudonymised as every reader does."""
    from groundswell.ingest import common

    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file", expected="a CSV of leaders")
    table = common.read_table(path)
    if table.empty or not len(table.columns):
        raise InputError(path, "no leaders in the file", expected="one identifier a line")
    col = "person" if "person" in table.columns else table.columns[0]
    return queries.resolve_people(ws, table[col])


def qa(
    ws: Store,
    *,
    run: Run | None = None,
    window: str | Window | None = None,
    leaders_ids: pd.Index | None = None,
) -> qa_measure.QAReport:
    """Questions and answers of a window (:func:`groundswell.value.qa.qa`); leaders from
    ``leaders_ids``, else everyone at or above ``value.leader_level``."""
    run, win = _run_and_window(ws, run, window)
    s = queries.settings(ws)
    qs, ans = questions(ws, win, s)
    ids = leaders_ids if leaders_ids is not None else default_leaders(ws, s)
    dept = queries.people(ws)["department"]
    return qa_measure.qa(str(win), qs, ans, dept, ids, s, ws.settings.min_group_size)


def leaders(
    ws: Store,
    leaders_ids: pd.Index | str | Path | None = None,
    *,
    run: Run | None = None,
    window: str | Window | None = None,
) -> pd.DataFrame:
    """Connected-leadership measures of each leader against the organisation
    (:func:`groundswell.value.qa.leaders`). ``leaders_ids``: pseudonymous ids, a leaders
    file (see :func:`read_leaders`) or None (everyone at or above ``value.leader_level``)."""
    run, win = _run_and_window(ws, run, window)
    s = queries.settings(ws)
    if leaders_ids is None:
        ids = default_leaders(ws, s)
    elif isinstance(leaders_ids, str | Path):
        ids = read_leaders(ws, leaders_ids)
    else:
        ids = pd.Index(leaders_ids)
    ties = queries.ties(ws, win)
    if ties.empty:  # every leader at 0 contacts would read as leaders cut off from everyone
        raise AnalysisError(
            f"connected leadership is measured on chat, enterprise-social or email ties, and "
            f"the window {win} holds none (its ties come from other sources, such as Viva "
            "Insights' collaboration pairs or surveys)"
        )
    qs, ans = questions(ws, win, s)
    out = qa_measure.leaders(
        ids,
        queries.members(ws, win),
        ties,
        queries.responsiveness(ws, win, float(s["respond_hours"])),
        queries.open_counts(ws, win),
        qs,
        ans,
        s,
    )
    out.attrs["window"] = str(win)
    return out


def health(
    ws: Store, *, run: Run | None = None, window: str | Window | None = None
) -> pd.DataFrame:
    """Health of every Leiden community of ``run`` and every group channel, in ``window``
    against the two windows before it (:func:`groundswell.value.community_health.health`)."""
    run, win = _run_and_window(ws, run, window)
    p1 = previous(win)
    p2 = previous(p1)
    s = queries.settings(ws)
    origin = queries.first_interaction(ws)
    qs, ans = questions(ws, win, s)
    comm = queries.communities(run) if run is not None else None
    channels = {k: queries.channel_members(ws, w) for k, w in (("w", win), ("p1", p1), ("p2", p2))}
    frames = community_health.Frames(
        weeks=win.days / 7,
        history=origin is not None and pd.Timestamp(p2.start) >= pd.Timestamp(origin),
        members=len(queries.members(ws, win)),
        people=queries.people(ws),
        ties={k: queries.ties(ws, w) for k, w in (("w", win), ("p1", p1), ("p2", p2))},
        communities=comm,
        roots=queries.thread_roots(ws, win) if run is not None else pd.DataFrame(),
        questions=qs,
        answers=ans,
        produced=produced(ws, win, comm, channels, s),
        channel_members=channels,
        channel_activity=queries.channel_activity(ws, p1, win),
    )
    out = community_health.health(frames, s, ws.settings.min_group_size)
    out.attrs["window"] = str(win)
    return out


def produced(
    ws: Store,
    win: Window,
    communities: pd.Series | None,
    channels: dict[str, pd.DataFrame],
    s: dict[str, Any],
) -> pd.DataFrame:
    """Evidence that a channel or a Leiden community produced something, from the records
    the workspace holds (unit, unit_key, evidence): behaviours its members were first to
    adopt and others took up (:func:`groundswell.value.community_health.origins`; a
    channel's members are its writers in the window and the two before it), and outcome
    records credited to it (:func:`groundswell.value.community_health.credited`)."""
    memb = [
        pd.concat(channels.values())
        .rename(columns={"group": "unit_key"})
        .assign(unit="channel")[["unit", "unit_key", "person_id"]]
    ]
    if communities is not None:
        memb.append(
            pd.DataFrame(
                {
                    "unit": "community",
                    "unit_key": communities.astype(str).to_numpy(),
                    "person_id": communities.index,
                }
            )
        )
    members = pd.concat(memb, ignore_index=True)
    made = community_health.origins(
        queries.adoption_rows(ws, win.end),
        members,
        first_share=float(s["purpose_first_share"]),
        origin_share=float(s["purpose_origin_share"]),
        min_size=ws.settings.min_group_size,
    )
    tagged = community_health.credited(queries.outcome_tags(ws, win.end), members)
    return pd.concat([made[["unit", "unit_key", "evidence"]], tagged], ignore_index=True)


def onboarding(ws: Store, *, ties: int | None = None) -> pd.DataFrame:
    """How fast newcomers connect (:func:`groundswell.value.onboarding.onboarding`): ``ties``
    is the number of ties counted to (``value.onboarding_ties`` by default)."""
    s = queries.settings(ws)
    k = int(ties or s["onboarding_ties"])
    return onboarding_measure.onboarding(queries.newcomer_ties(ws, k), k)


def snapshot(ws: Store, win: Window) -> tuple[dict[str, float], pd.DataFrame]:
    """The headline measures of one window and each person's persona, roles and degree
    (:func:`groundswell.value.snapshots.snapshot`)."""
    a = ws.settings.analysis
    s = queries.settings(ws)
    qs, _ = questions(ws, win, s)
    messages, interactions, hires = queries.window_counts(ws, win)
    frames = snapshots.Frames(
        members=queries.members(ws, win),
        ties=queries.ties(ws, win),
        people=queries.people(ws),
        activity=queries.activity(ws, win),
        questions=qs,
        messages=messages,
        interactions=interactions,
        hires=hires,
    )
    return snapshots.snapshot(
        frames,
        resolution=float(a["leiden_resolution"]),
        seed=int(a["seed"]),
        min_group_size=ws.settings.min_group_size,
    )


def compare_dates(ws: Store, at: str, *, days: int | None = None) -> before_after.Comparison:
    """The ``days`` before ``at`` against the ``days`` from ``at`` (``ties.window_days`` by
    default): every headline measure, the network's value-maturity scores, and each
    department's share of ties kept inside (suppressed below the minimum group size)."""
    days = int(days or ws.settings.ties["window_days"])
    t, before, after = before_after.windows(at, days)
    sides = []
    for win in (before, after):
        measures, _ = snapshot(ws, win)
        counts, available = person_counts(ws, win)
        sides.append(
            before_after.Side(
                measures, counts, available, queries.ties(ws, win), queries.members(ws, win)
            )
        )
    return before_after.compare(
        t,
        (before, after),
        (sides[0], sides[1]),
        queries.people(ws)["department"],
        maturity_measure.thresholds(
            queries.settings(ws), sides[0].counts, sides[0].available
        ),  # the lines of the window before, on both sides
        ws.settings.min_group_size,
    )
