"""What the network says: the few findings of a run that matter most, in plain words.

``analyze`` computes them once, after it has stored the run's results, from those stored
results only (the department figures, the group ties, the role overlap, the shadow
organisation, the value findings), and stores them with the run (section ``headline`` of
``run_findings``, beside the value findings of :mod:`groundswell.value.findings`). The
report and the dashboard read them (:func:`groundswell.results.read_findings`); neither
writes a finding of its own, so two sections can never disagree about one.

Each rule of :data:`RULES` looks at one kind of evidence and either yields findings, each
with a sentence, the number behind it, what it suggests doing and the section holding the
evidence, or nothing when the data does not reach its threshold. Findings are ranked by
``score = strength * (1 + ln(1 + affected))``: ``strength`` (0 to 1) is how far past its
threshold the evidence lies, ``affected`` how many people it concerns. docs/findings.md
lists every rule with its threshold and reference.

People are kept out of the stored sentences: a sentence names them as ``{people}`` and the
reader fills in pseudonyms, or names for those allowed to see them.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from groundswell import words
from groundswell.privacy import SUPPRESSED, gate_labels
from groundswell.results import HEADLINE, NAMED

if TYPE_CHECKING:
    from groundswell.run import Run

__all__ = ["RULES", "SECTION", "SHOWN", "Finding", "compute", "store"]

#: at most this many findings open the report and the dashboard
SHOWN = 8
#: the section of ``run_findings`` they are stored under
SECTION = HEADLINE


@dataclass
class Finding:
    """One finding: ``text`` (one sentence, ``{people}`` where people are named), the
    ``number`` behind it, the ``action`` it suggests, the report ``section`` and dashboard
    ``page`` with its evidence, the ``people`` it names (pseudonyms), and how it ranks."""

    rule: str
    text: str
    number: str
    action: str
    section: str
    page: str
    strength: float
    affected: int
    people: list[str] = field(default_factory=list)
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> float:
        return float(self.strength) * (1.0 + math.log1p(max(self.affected, 0)))


class _Facts:
    """What the rules read, each loaded once from the stored run."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.min_size = run.ws.settings.min_group_size
        self.people = run.people()
        self.n = len(self.people)
        self._ends: tuple[np.ndarray, np.ndarray] | None = None

    def ends(self, people: pd.Index) -> tuple[np.ndarray, np.ndarray]:
        """The run's ties (every layer, in stored order) as the positions of their two ends
        in ``people``; -1 for an end not in it. The value step's integer ties
        (:func:`groundswell.value.queries.run_codes`, read once for both inside ``analyze``):
        no pseudonym of a tie becomes text here (issue 20: millions at 500,000 people)."""
        if self._ends is None:
            from groundswell.value.queries import run_codes

            self._ends = run_codes(self.run).positions(people)
        return self._ends


# -- the rules -----------------------------------------------------------------------------
def silos(f: _Facts) -> Iterator[Finding]:
    """A department flagged as a silo (E-I below the organisation's lower quartile and more
    inward than the organisation's average tie): how few of its ties leave it, and how few
    of its people hold every tie with the rest."""
    groups = f.run.groups("department")
    flagged = groups[(groups["silo"] == 1) & (groups.index != SUPPRESSED)]
    if flagged.empty:
        return
    raw = f.run._people_unsuppressed()["department"]
    shown = gate_labels(raw, f.min_size)
    stored = f.run.group_ties("department", weighted=False, normalize=False)
    a, b = f.ends(shown.index)
    for dept, g in flagged.iterrows():
        if dept not in stored.index:
            continue
        row = stored.loc[dept]
        total = int(np.nansum(row.to_numpy()))
        inside = int(row.get(dept, 0) or 0)
        out = total - inside
        incoming = int(np.nansum(stored[dept].to_numpy())) - inside
        inside_dept = shown.to_numpy() == dept
        members = shown.index[inside_dept]
        within = np.append(inside_dept, False)  # position -1 (an end not shown): not inside
        a_in, b_in = within[a], within[b]
        crossing = a_in != b_in
        # the members holding a tie across, in the order they first appear among the
        # crossing ties' actors and then their targets (one pair twice changes nothing)
        held = np.concatenate([a[crossing & a_in], b[crossing & b_in]])
        bridges = shown.index[pd.unique(held)]
        size = len(members)
        ei, base = float(g["ei"]), float(g["baseline_ei"])
        strength = min(1.0, max(0.0, (base - ei) / 2 + 0.25)) if not math.isnan(base) else 0.5
        verb = "leaves" if out == 1 else "leave"
        if out == 0:
            text = f"{dept} talks only to itself: none of its {total:,} ties leave the department"
        else:
            how = "almost only" if out / max(total, 1) < 0.05 else "mostly"
            text = (
                f"{dept} talks {how} to itself: {out:,} of its {total:,} ties {verb} the department"
            )
        named: list[str] = []
        if len(bridges) == 0:
            text += ", and nobody outside it has a tie into it."
        elif len(bridges) <= NAMED:
            text += (
                f". {words.count(len(bridges), 'person', words=True).capitalize()} "
                f"({{people}}) {'holds' if len(bridges) == 1 else 'hold'} every tie "
                f"between {dept} and the rest; "
                + (
                    f"losing them would cut {dept} off."
                    if len(bridges) == 1
                    else f"losing them would cut {dept} off, and losing one would leave "
                    "it hanging by a thread."
                )
            )
            named = list(bridges)
        else:
            few = "Only " if len(bridges) < size / 2 else ""
            text += (
                f". {few}{len(bridges):,} of its {words.count(size, 'person')} "
                f"{'has' if len(bridges) == 1 else 'have'} a tie with the rest."
            )
        yield Finding(
            rule="silo",
            text=text,
            number=f"E-I index {_signed(ei)} against {_signed(base)} for random partners; "
            f"{g['inside_share']:.0%} of ties kept inside; "
            f"{words.count(incoming, 'tie')} in from other departments",
            action=f"Consider giving {dept} shared work with the departments it should "
            f"serve (joint projects, rotations, a shared channel), so that its links to the "
            f"rest do not rest on {'a few people' if len(bridges) > 1 else 'one person'}.",
            section="silos",
            page="/formal",
            strength=strength,
            affected=size,
            people=named,
            evidence={
                "department": str(dept),
                "ei": ei,
                "baseline_ei": base,
                "ties": total,
                "ties_out": out,
                "ties_in": incoming,
                "bridges": len(bridges),
                "size": size,
            },
        )


def hidden_influencers(f: _Facts) -> Iterator[Finding]:
    """People in the top decile of influence with a junior level and no reports."""
    shadow = f.run.shadow()
    rows = shadow[shadow["finding"] == "hidden_influencer"]
    if rows.empty:
        return
    ids = list(rows["person_id"])
    pct = [float(e.get("score_percentile", 0.9)) for e in rows["evidence"]]
    levels = [e.get("level") for e in rows["evidence"]]
    known = [int(v) for v in levels if v is not None]
    reach = int(f.people.reindex(ids)["in_degree"].fillna(0).sum())
    n = len(ids)
    who = "{people}"
    yield Finding(
        rule="hidden_influencer",
        text=f"{words.count(n, 'person', words=True).capitalize()} without rank or reports "
        f"{words.plural('is', n, 'are')} among the most influential in the network: {who}. "
        f"Colleagues turn to them as much as to senior leaders.",
        number=f"PageRank in the top {100 - 100 * min(pct):.0f}% of {f.n:,} people"
        + (f"; level {min(known)}–{max(known)}" if known and min(known) != max(known) else "")
        + (f"; level {known[0]}" if known and min(known) == max(known) else "")
        + "; no direct reports",
        action="Consider enlisting them as champions of the next change and asking them "
        "what they see; recognise the work they already do informally.",
        section="shadow",
        page="/formal",
        strength=min(1.0, max(0.3, (float(np.mean(pct)) - 0.9) / 0.1)),
        affected=reach,
        people=ids,
        evidence={"people": n, "percentiles": pct, "levels": known},
    )


def bottleneck_managers(f: _Facts) -> Iterator[Finding]:
    """A manager through whom nearly all of their team's outside contact passes."""
    shadow = f.run.shadow()
    rows = shadow[shadow["finding"] == "bottleneck_manager"]
    for _, r in rows.head(NAMED).iterrows():
        e = r["evidence"]
        team = int(e.get("team_size") or 0)
        members_out = e.get("members_outside")
        score = float(e.get("score") or 0.0)
        if members_out is None:
            members = f"a team of {team:,}"
        elif int(members_out) == 0:
            members = f"none of the {team:,} members has a tie of their own outside the team"
        else:
            members = (
                f"only {int(members_out):,} of the {team:,} members "
                f"{'has' if int(members_out) == 1 else 'have'} a tie of their own outside"
            )
        yield Finding(
            rule="bottleneck_manager",
            text="{people} is a bottleneck manager: their team reaches the rest of the "
            f"organisation almost only through them ({members}).",
            number=f"{score:.0%} of the team's outside contact goes through the manager "
            f"(flagged above {float(e.get('fence') or 0.5):.0%})",
            action="Consider introducing the team directly to the people it waits on, and "
            "sharing the manager's outside contacts, so work does not queue behind one person.",
            section="shadow",
            page="/formal",
            strength=min(1.0, score),
            affected=team,
            people=[str(r["person_id"])],
            evidence={k: e.get(k) for k in ("score", "fence", "team_size", "members_outside")},
        )


def key_people(f: _Facts) -> Iterator[Finding]:
    """People whose departure would cut others off from the network (articulation points)
    when together they would cut off at least the minimum group size."""
    shadow = f.run.shadow()
    rows = shadow[shadow["finding"] == "key_person"]
    if rows.empty:
        return
    cut = pd.Series(
        [int(e.get("cut_off") or 0) for e in rows["evidence"]], index=list(rows["person_id"])
    ).sort_values(ascending=False)
    total = int(cut.sum())
    if total < f.min_size:
        return
    n = len(cut)
    yield Finding(
        rule="key_person",
        text=f"{words.count(n, 'person', words=True).capitalize()} "
        f"{words.plural('is', n, 'are')} the only link between others and the network: "
        "if {people} left, "
        f"{words.count(total, 'person')} would lose their connection to the rest.",
        number=f"{words.count(total, 'person')} cut off in all; the most by one departure: "
        f"{int(cut.iloc[0]):,}",
        action="Consider a second contact for the people who depend on them (a deputy, a "
        "shared channel), and a handover plan for each.",
        section="shadow",
        page="/formal",
        strength=min(1.0, 0.4 + 0.6 * min(1.0, total / max(0.02 * f.n, 1))),
        affected=total,
        people=list(cut.index),
        evidence={"people": n, "cut_off": total, "largest": int(cut.iloc[0])},
    )


def role_overlap(f: _Facts) -> Iterator[Finding]:
    """How much the role lists are the same people: always stored (the roles section reads
    it), a finding only when two lists share at least a quarter of their people on average."""
    ov = f.run.role_overlap()
    off = ov.where(~np.eye(len(ov), dtype=bool)).stack()
    if off.empty:
        return
    mean = float(off.mean())
    held = f.run.roles()
    key = [r for r in ("hub", "broker", "boundary_spanner", "influencer") if r in held]
    count = held.sum(axis=1).sort_values(ascending=False)
    many = count[count >= 3]
    top = list(many.index[:NAMED])
    roles_held = int(count.reindex(top).sum()) if top else 0
    verdict = "largely the same" if mean >= 0.25 else "partly the same" if mean >= 0.1 else None
    words_ = verdict or "mostly different"
    yield Finding(
        rule="role_overlap",
        text=(
            f"The same few people carry the network: {{people}} hold {roles_held:,} roles "
            f"between them, and two role lists share {mean:.0%} of their people on average."
            if verdict == "largely the same" and top
            else f"The role lists are {words_} people: two lists share {mean:.0%} of their "
            "people on average."
        ),
        number=f"mean Jaccard overlap of the role lists {mean:.2f}; "
        f"{words.count(len(many), 'person')} hold three roles or more",
        action="Consider spreading the load: give others the connections these people "
        "carry, before one of them leaves or burns out.",
        section="roles",
        page="/people",
        strength=min(1.0, mean * 2) if verdict == "largely the same" and top else 0.0,
        affected=len(many),
        people=top if verdict == "largely the same" else [],
        evidence={
            "mean_jaccard": mean,
            "words": words_,
            "key_roles": key,
            "people_with_3_roles": len(many),
        },
    )


def value_stage(f: _Facts) -> Iterator[Finding]:
    """At least half of the people have not reached the first stage of value."""
    value = f.run.findings(("value",)).get("value") or {}
    by_stage = value.get("people_by_stage")
    if not by_stage or "problem" in value:
        return
    if "indicators" in value and not value["indicators"].get("connect"):
        return  # no digital tie in the window: connection was not measured, not found wanting
    total = int(value.get("people") or sum(int(v) for v in by_stage.values()))
    none = int(by_stage.get("none", 0))
    if not total or none / total < 0.5:
        return
    org = str(value.get("network", {}).get("stage") or "none")
    pooled = (
        f"the organisation as a whole, everyone's activity pooled, is at {org.replace('_', ' ')}:"
        " the other people carry it"
        if org != "none"
        else "the organisation as a whole has not reached it either"
    )
    # "all 40 people (100%) have not reached" reads as a contradiction: say no one has
    who = (
        f"No one of the run's {total:,} people has"
        if none == total
        else f"{words.portion(none, total).capitalize()} have not"
    )
    held = _connect_held_back(value, pooled_too=org == "none")
    number = f"{none:,} of the run's {total:,} people at no stage yet; {pooled}"
    evidence: dict[str, Any] = {"none": none, "people": total, "by_stage": by_stage}
    action = (
        "Consider starting with connection (introductions across teams, open channels, "
        "onboarding buddies) before asking the network to share or solve."
    )
    if held:  # name the indicator holding the stage back, and start there
        number += f" ({held['said']})"
        action = held["action"]
        evidence |= {"connect": held["values"], "lowest": held["lowest"], "basis": held["basis"]}
    yield Finding(
        rule="value_stage",
        text=f"{who} reached the first stage of value, connecting with others beyond their team.",
        number=number,
        action=action,
        section="value",
        page="/value",
        strength=none / total,
        affected=none,
        evidence=evidence,
    )


#: the connect stage's indicators (value/maturity.py) in words: what is measured, and what to
#: do first when it is the one holding the stage back
_CONNECT = {
    "reciprocated": (
        "ties returned",
        "Consider making ties two-way first: {v} — pair those who reach out with those who "
        "answer (onboarding buddies, working-out-loud circles, questions answered in the "
        "open) before asking the network to share or solve.",
        "only {p} of the ties are returned",
        "the median person has {p} of their ties returned",
    ),
    "across": (
        "contacts in another department",
        "Consider introductions across departments first: {v} — cross-team projects, open "
        "channels, rotations — before asking the network to share or solve.",
        "only {p} of the contacts are in another department",
        "the median person has {p} of their contacts in another department",
    ),
    "new_ties": (
        "new contacts",
        "Consider bringing together people who have not worked together first: {v} — "
        "introductions, onboarding buddies, new cross-team projects — before asking the "
        "network to share or solve.",
        "only {p} of the contacts are new in this window",
        "the median person's contacts are {p} new in this window",
    ),
}


def _connect_held_back(value: dict, *, pooled_too: bool) -> dict | None:
    """Which of the connect stage's indicators holds it back most (the lowest), in words:
    the organisation's pooled values when it has not reached the stage as a whole either,
    the people's medians otherwise; None when the section predates the indicators."""
    got = (value.get("indicators") or {}).get("connect") or {}
    key = "network" if pooled_too else "people_median"
    values = {k: float(v[key]) for k, v in got.items() if k in _CONNECT and v.get(key) is not None}
    if not values:
        return None
    lowest = min(values, key=lambda k: (values[k], list(_CONNECT).index(k)))
    listed = ", ".join(f"{_CONNECT[k][0]} {values[k]:.0%}" for k in _CONNECT if k in values)
    line = (value.get("thresholds") or {}).get("connect")
    score = (value.get("network") or {}).get("connect")
    if pooled_too and line is not None and score is not None:
        said = f"its connect score {float(score):.2f} against a line of {float(line):.2f}: {listed}"
    else:
        said = f"the median person's connect indicators: {listed}"
    p = f"{values[lowest]:.0%}"
    why = (_CONNECT[lowest][2] if pooled_too else _CONNECT[lowest][3]).format(p=p)
    return {
        "said": said,
        "action": _CONNECT[lowest][1].format(v=why),
        "values": values,
        "lowest": lowest,
        "basis": key,
    }


def managers_far(f: _Facts) -> Iterator[Finding]:
    """Managers tied to at most half as many of their reports as managers usually are."""
    shadow = f.run.shadow()
    rows = shadow[shadow["finding"] == "manager_far_from_team"]
    if rows.empty:
        return
    shares = [float(e.get("share_tied") or 0.0) for e in rows["evidence"]]
    teams = int(sum(int(e.get("team_size") or 0) for e in rows["evidence"]))
    n = len(rows)
    yield Finding(
        rule="manager_far_from_team",
        text=f"{words.count(n, 'manager', words=True).capitalize()} "
        f"{words.plural('works', n, 'work')} with fewer than half of "
        "their own direct reports: {people}.",
        number=f"median share of reports they have a tie with: {float(np.median(shares)):.0%}",
        action="Consider regular one-to-ones, or checking that the org chart still says who "
        "these people really work for.",
        section="shadow",
        page="/formal",
        strength=min(1.0, 1.0 - float(np.mean(shares))) * 0.8,
        affected=teams,
        people=list(rows["person_id"]),
        evidence={"managers": n, "share_tied": shares, "reports": teams},
    )


def isolated(f: _Facts) -> Iterator[Finding]:
    """At least 5% of the people in the network have no tie in the window."""
    s = f.run.summary
    n_iso, n = int(s.get("isolated") or 0), int(s.get("people") or 0)
    if not n or n_iso / n < 0.05:
        return
    yield Finding(
        rule="isolated",
        text=f"{words.portion(n_iso, n).capitalize()} have no working tie in the data: "
        "they are invisible to the network, or work in channels not analysed.",
        number=f"{words.count(n_iso, 'person')} of {n:,} with no tie",
        action="Consider checking whether their work happens in tools not ingested; if not, "
        "whether they are left out.",
        section="headline",
        page="/people",
        strength=min(1.0, n_iso / n * 4),
        affected=n_iso,
        evidence={"isolated": n_iso, "people": n},
    )


def diverse_ties(f: _Facts) -> Iterator[Finding]:
    """Fewer than one tie in five crosses a department boundary."""
    d = f.run.summary.get("diverse_ties")
    if d is None or (isinstance(d, float) and math.isnan(d)) or d >= 0.2:
        return
    ei = f.run.summary.get("ei_departments")
    yield Finding(
        rule="diverse_ties",
        text=f"Departments keep to themselves: only {d:.0%} of ties cross a department boundary.",
        number="E-I index of the organisation "
        + (_signed(float(ei)) if ei is not None and not math.isnan(float(ei)) else "–"),
        action="Consider cross-department work (shared goals, mixed project teams) where "
        "departments depend on each other.",
        section="heatmap",
        page="/groups",
        strength=min(1.0, (0.2 - float(d)) / 0.2),
        affected=f.n,
        evidence={"diverse_ties": float(d)},
    )


#: rule name -> function, in the order docs/findings.md lists them
RULES: dict[str, Callable[[_Facts], Iterator[Finding]]] = {
    "silo": silos,
    "hidden_influencer": hidden_influencers,
    "bottleneck_manager": bottleneck_managers,
    "key_person": key_people,
    "role_overlap": role_overlap,
    "value_stage": value_stage,
    "manager_far_from_team": managers_far,
    "isolated": isolated,
    "diverse_ties": diverse_ties,
}


def compute(run: Run) -> dict[str, Any]:
    """Every rule of :data:`RULES` on ``run``'s stored results: ``findings`` (those past
    their threshold, strongest first, each a dict of :class:`Finding` with its ``rank`` and
    ``score``), and ``statements`` (the role-overlap reading the roles section shows)."""
    facts = _Facts(run)
    found: list[Finding] = []
    statements: dict[str, Any] = {}
    for rule in RULES.values():
        for finding in rule(facts):
            if finding.rule == "role_overlap":
                statements["role_overlap"] = asdict(finding)
                if finding.strength <= 0:
                    continue
            found.append(finding)
    found.sort(key=lambda x: (-x.score, x.rule))
    rows = [{**asdict(x), "score": round(x.score, 4), "rank": i + 1} for i, x in enumerate(found)]
    return {"findings": rows, "statements": statements, "shown": SHOWN}


def store(run: Run, found: dict[str, Any]) -> None:
    """Store the findings of ``run`` (replacing earlier ones) in ``run_findings``."""
    body = json.dumps(found, default=_plain)
    with run.ws.transaction() as con:
        con.execute(
            "DELETE FROM run_findings WHERE run_id = ? AND section = ?", [run.run_id, SECTION]
        )
        con.execute("INSERT INTO run_findings VALUES (?, ?, ?)", [run.run_id, SECTION, body])


def _signed(v: float) -> str:
    """A figure with its sign, the minus a real minus sign: "+0.64", "−1.00"."""
    return f"{v:+.2f}".replace("-", "\u2212")


def _plain(o: object) -> object:
    if isinstance(o, np.generic):
        return o.item()
    return str(o)
