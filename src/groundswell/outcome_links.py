"""Outcomes against the network, computed once by ``analyze`` and stored with the run.

:func:`compute` reads the outcomes ingested (``groundswell ingest outcomes``), sets each
against the run's network measures with :mod:`groundswell.analysis.outcome_stats` and finds the
positive deviants by results; :func:`store` writes ``outcome_links``, ``outcome_deviants``
and ``outcome_readings``.
:func:`readings` says what they mean in words (stored in ``outcome_readings``). The report,
the dashboard and ``groundswell outcomes`` read them through
:mod:`groundswell.outcome_results`.

How the figures are made (docs/outcomes.md):

- a person's figure of a measure is the mean of their figures of it (every date); a measure
  whose every row has a target (other than 0) is read as attainment, value / target, and named
  "MEASURE against target";
- people are those of the run, inside the organisation, resolved through aliases (an email
  the org chart links to an employee counts as that employee);
- a department's own scope is computed only where the privacy gate shows the department
  (:func:`groundswell.privacy.suppressed_groups`, counting the people with the outcome);
- team and department outcomes are set against the mean measure of their members, across the
  groups the gate shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from groundswell import words
from groundswell.analysis import outcome_stats as stats
from groundswell.privacy import suppressed_groups

if TYPE_CHECKING:
    from groundswell.run import Run
    from groundswell.store import Store

__all__ = ["Found", "compute", "person_figures", "store"]


@dataclass
class Found:
    """What :func:`compute` found: the correlations (rows of ``outcome_links`` without the run),
    the positive deviants by results (rows of ``outcome_deviants``) and the reading in words
    (:func:`readings`)."""

    links: pd.DataFrame
    deviants: pd.DataFrame
    lines: list[str]


def _figures(ws: Store, kind: str) -> pd.DataFrame:
    """Each subject's figure of each outcome (columns subject, outcome, value): the mean of
    its figures, as attainment when every row of the measure has a target."""
    rows = ws.query(
        "SELECT coalesce(a.person_id, o.subject) AS subject, o.measure, o.value, o.target "
        "FROM outcomes o LEFT JOIN aliases a ON a.alias_id = o.subject "
        "AND o.subject_kind = 'person' WHERE o.subject_kind = ?",
        [kind],
    )
    if rows.empty:
        return pd.DataFrame(columns=["subject", "outcome", "value"])
    targeted = rows.groupby("measure")["target"].transform(
        lambda t: bool(t.notna().all() and (t != 0).all())
    )
    rows["outcome"] = rows["measure"].where(~targeted, rows["measure"] + " against target")
    rows["value"] = rows["value"].where(~targeted, rows["value"] / rows["target"])
    return rows.groupby(["subject", "outcome"], as_index=False)["value"].mean()


def person_figures(ws: Store) -> pd.DataFrame:
    """One row per person with outcomes, one column per outcome (see the module docstring)."""
    long = _figures(ws, "person")
    if long.empty:
        return pd.DataFrame()
    return long.pivot(index="subject", columns="outcome", values="value").rename_axis(
        index="person_id", columns=None
    )


def compute(run: Run) -> Found:
    """Every outcome of the workspace against the run's network (see the module docstring)."""
    ws = run.ws
    min_size = ws.settings.min_group_size
    people = run._people_unsuppressed()
    people = people[~people["external"].astype(bool)]
    figures = person_figures(ws)
    frames, found = [], []
    measures = tuple(m for m in stats.MEASURES if m in people)
    if len(figures):
        table = people.join(figures, how="inner")
        for outcome in figures.columns:
            have = table[table[outcome].notna()]
            sizes = have["department"].fillna("(unknown)").value_counts()
            hidden = suppressed_groups(sizes, min_size)
            shown = [d for d in sizes.index if d not in hidden and d != "(unknown)"]
            frames.append(stats.links(table, [outcome], measures=measures, departments=shown))
            lower = (
                outcome.removesuffix(" against target") in ws.settings.outcomes["lower_is_better"]
            )
            dev = stats.deviants(
                table,
                outcome,
                min_group_size=min_size,
                z=float(ws.settings.outcomes["deviant_z"]),
                lower_is_better=lower,
            )
            found.append(dev.rename_axis("person_id").reset_index().assign(outcome=outcome))
    for kind, scope in (("department", "departments"), ("team", "teams")):
        frames.append(_group_links(ws, people, kind, scope, measures, min_size))
    rows = [f for f in frames if len(f)]
    links = (
        stats.controlled(pd.concat(rows, ignore_index=True))
        if rows
        else pd.DataFrame(columns=[*LINK_COLUMNS])
    )
    deviants = (
        pd.concat(found, ignore_index=True)[DEVIANT_COLUMNS]
        if found
        else pd.DataFrame(columns=DEVIANT_COLUMNS)
    )
    return Found(links[LINK_COLUMNS], deviants, readings(links, deviants))


LINK_COLUMNS = ["outcome", "measure", "scope", "n", "rho", "ci_low", "ci_high", "p", "q", "reading"]
DEVIANT_COLUMNS = ["outcome", "person_id", "value", "peer_median", "z", "peers"]


def _group_links(
    ws: Store,
    people: pd.DataFrame,
    kind: str,
    scope: str,
    measures: tuple[str, ...],
    min_size: int,
) -> pd.DataFrame:
    """Group outcomes against the mean measures of each group's members, across the groups
    the privacy gate shows."""
    long = _figures(ws, kind)
    if long.empty:
        return pd.DataFrame()
    sizes = people[kind].dropna().value_counts()
    hidden = suppressed_groups(sizes, min_size)
    means = people.groupby(kind)[list(measures)].mean()
    means = means[~means.index.isin(hidden)]
    rows = []
    for outcome, part in long.groupby("outcome"):
        y = part.set_index("subject")["value"].reindex(means.index)
        for measure in measures:
            c = stats.spearman(means[measure].to_numpy(), y.to_numpy())
            rows.append({"outcome": outcome, "measure": measure, "scope": scope, **c.__dict__})
    return pd.DataFrame(rows)


ALPHA = 0.05
GROUP_SCOPES = ("all", "within", "departments", "teams")


def _holds(rows: pd.DataFrame) -> pd.Series:
    """Rows whose interval excludes zero and whose q passes the false-discovery control."""
    return (rows["q"] < ALPHA) & ((rows["ci_low"] > 0) | (rows["ci_high"] < 0))


def _corr(r: pd.Series) -> stats.Correlation:
    return stats.Correlation(int(r["n"]), r["rho"], r["ci_low"], r["ci_high"], r["p"])


def readings(links: pd.DataFrame, deviants: pd.DataFrame) -> list[str]:
    """What the links say, in a few sentences: for each outcome the links that hold (the
    strongest three), the departments where a link holds and another where it does not --
    said to *differ* only when the test of two correlations (:func:`stats.difference`, with
    Benjamini-Hochberg control across these tests) says so -- the number of positive
    deviants; or that the data cannot tell."""
    out: list[str] = []
    if links.empty:
        return out
    contrasts = _contrasts(links)
    for outcome, rows in links.groupby("outcome", sort=True):
        held = rows[_holds(rows)]
        held = held.assign(strength=held["rho"].abs())  # (not rows': it would fill an empty one)
        if held.empty:
            readable = rows[rows["n"] >= stats.MIN_PEOPLE]
            out.append(
                f"{outcome}: too few people or groups with both figures for the data to tell "
                "anything."
                if readable.empty
                else f"{outcome}: the data cannot tell whether it goes with any network "
                f"measure ({len(readable)} comparisons; every interval spans zero or fails "
                "the false-discovery control)."
            )
            continue
        out += [str(r) for r in held.sort_values("strength", ascending=False)["reading"][:3]]
        out += [c for o, c in contrasts if o == outcome]
        n_dev = int((deviants["outcome"] == outcome).sum()) if len(deviants) else 0
        if n_dev:
            out.append(
                f"{outcome}: {n_dev} positive deviants by results (well above peers of the "
                "same department and level)."
            )
    return [line[:1].upper() + line[1:] for line in out]


def _contrasts(links: pd.DataFrame) -> list[tuple[str, str]]:
    """(outcome, sentence) for each measure whose link holds in a department and not in
    another of at least :data:`stats.MIN_PEOPLE` people."""
    pairs = []
    depts = links[~links["scope"].isin(GROUP_SCOPES) & (links["n"] >= stats.MIN_PEOPLE)]
    for (outcome, measure), part in depts.groupby(["outcome", "measure"], sort=True):
        held, unclear = part[_holds(part)], part[~_holds(part)]
        for _, a in held.iterrows():
            for _, b in unclear.iterrows():
                p = stats.difference(_corr(a), _corr(b))
                pairs.append((str(outcome), str(measure), a, b, p))
    if not pairs:
        return []
    q = stats.benjamini_hochberg(pd.Series([x[4] for x in pairs]).to_numpy())
    out = []
    for (outcome, measure, a, b, _), qv in zip(pairs, q, strict=True):
        noun = stats.NOUNS.get(measure, measure)
        verb = "rises" if a["rho"] > 0 else "falls"
        first = (
            f"{outcome} {verb} with {noun} in {a['scope']} (rho {a['rho']:+.2f}, n = {a['n']}) "
            f"but not clearly in {b['scope']} (rho {b['rho']:+.2f}, n = {b['n']})"
        )
        if qv < ALPHA:
            out.append(
                (outcome, f"{first}; the two differ ({words.q_words(qv)}): the link depends on "
                "where people work.")
            )  # fmt: skip
        else:
            out.append(
                (outcome, f"{first}; the data cannot tell whether the two departments "
                f"really differ ({words.q_words(qv)}).")
            )  # fmt: skip
    return out


def store(run: Run, found: Found) -> None:
    """Write what :func:`compute` found for ``run`` (replacing earlier rows), in one
    transaction."""
    links = found.links.assign(run_id=run.run_id)
    deviants = found.deviants.assign(run_id=run.run_id)
    with run.ws.transaction() as con:
        for table, frame, cols in (
            ("outcome_links", links, ["run_id", *LINK_COLUMNS]),
            ("outcome_deviants", deviants, ["run_id", *DEVIANT_COLUMNS]),
            (
                "outcome_readings",
                pd.DataFrame(
                    {"run_id": run.run_id, "rank": range(len(found.lines)), "line": found.lines}
                ),
                ["run_id", "rank", "line"],
            ),
        ):
            con.execute(f"DELETE FROM {table} WHERE run_id = ?", [run.run_id])
            if len(frame):
                con.register("outcome_frame", frame[cols])
                con.execute(
                    f"INSERT INTO {table} ({', '.join(cols)}) "
                    f"SELECT {', '.join(cols)} FROM outcome_frame"
                )
                con.unregister("outcome_frame")
