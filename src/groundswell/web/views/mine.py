"""My network: a person's own view, read from what analyze stored (``person_value``,
``suggestions``, the run's ties) and the person's opt-out choices (docs/my-network.md)."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from groundswell import words
from groundswell.errors import OutdatedRunError, WorkspaceError
from groundswell.privacy import SUPPRESSED, UNKNOWN
from groundswell.web.views.people import PeopleQueries

#: stage names as shown, in ladder order
STAGE_LABELS = {
    "connect": "Connect",
    "share": "Share",
    "solve": "Solve",
    "innovate": "Innovate",
    "lead_change": "Lead change",
}
#: contacts drawn on the ego map (the strongest); the rest are counted
EGO_SHOWN = 30
#: suggestions shown
SUGGESTIONS_SHOWN = 5
#: department colours on the ego map (Okabe–Ito, colour-blind safe), in order of first use
#: what each persona means, said to the person (groundswell.analysis.personas)
PERSONA_WORDS = {
    "engager": "you give and receive in balance: you post, reply and are answered",
    "catalyst": "your posts and presence draw others in: most responses around you come to you",
    "responder": "you answer, react and acknowledge others more than they respond to you",
    "broadcaster": "you post a lot, but few responses go either way: you talk at people "
    "more than with them",
    "observer": "you take little part: you read more than you write",
}
#: persona colours on the persona strip (Okabe–Ito)
PERSONA_COLOURS = {
    "engager": "#009E73",
    "catalyst": "#D55E00",
    "responder": "#0072B2",
    "broadcaster": "#E69F00",
    "observer": "#999999",
}
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#999999")


class MineQueries(PeopleQueries):
    """A person's own view (see :class:`~groundswell.web.views.core.ViewsCore`)."""

    def optouts(self, person_id: str) -> dict[str, bool]:
        """The person's choices: ``no_suggest`` (never suggested to others), ``no_name``
        (never named to others)."""
        rows = (
            self.ws()
            .con.execute(
                "SELECT no_suggest, no_name FROM person_optout WHERE person_id = ?", [person_id]
            )
            .fetchall()
        )
        no_suggest, no_name = rows[0] if rows else (False, False)
        return {"no_suggest": bool(no_suggest), "no_name": bool(no_name)}

    def set_optouts(self, person_id: str, *, no_suggest: bool, no_name: bool) -> dict[str, bool]:
        """Store the person's choices (they apply at once: suggestions and names are
        filtered when read, and the next analyze leaves them out)."""
        with self.ws().transaction() as con:
            con.execute("DELETE FROM person_optout WHERE person_id = ?", [person_id])
            con.execute(
                "INSERT INTO person_optout VALUES (?, ?, ?, ?)",
                [person_id, no_suggest, no_name, datetime.now(UTC)],
            )
        self.invalidate()
        return self.optouts(person_id)

    def _opted(self, column: str) -> set[str]:
        rows = self.ws().con.execute(f"SELECT person_id FROM person_optout WHERE {column}")
        return {r[0] for r in rows.fetchall()}

    def my_network(self, run_id: int | None, person_id: str) -> dict[str, Any]:
        """Everything the person's own page shows: ``stage`` (with scores, thresholds and
        indicators), ``next_steps``, ``bridges``, ``questions``, ``suggestions`` (each with
        its ``reasons``), ``ego`` (the map) and ``optouts``."""
        run = self.run(run_id)
        ws = self.ws()
        rows = ws.con.execute(
            "SELECT body FROM person_value WHERE run_id = ? AND person_id = ?",
            [run.run_id, person_id],
        ).fetchall()
        if not rows:
            stored = ws.con.execute(
                "SELECT count(*) FROM person_value WHERE run_id = ?", [run.run_id]
            ).fetchall()[0][0]
            if not stored:
                raise OutdatedRunError(
                    f"run {run.run_id} has no stored personal views; re-run analyze "
                    f"(groundswell analyze {self.path})"
                )
            raise WorkspaceError(f"run {run.run_id} has nothing stored about {person_id!r}")
        body = json.loads(rows[0][0])
        no_name = self._opted("no_name")
        named = bool(self._ws.settings.identified)
        people = self._people(run)
        dept = self._labels(run, "department")

        def where(pid: str) -> str:
            d = dept.get(pid)
            return (
                d if isinstance(d, str) and d not in (SUPPRESSED, UNKNOWN) else "another department"
            )

        def label(pid: str) -> str:
            name = people["display_name"].get(pid) if "display_name" in people else None
            if named and pid not in no_name and isinstance(name, str) and name:
                return name
            return f"someone in {where(pid)}"

        sug = ws.query(
            "SELECT suggested_id, shared_contacts, shared_channels FROM suggestions "
            "WHERE run_id = ? AND person_id = ? ORDER BY rank",
            [run.run_id, person_id],
        )
        sug = sug[~sug["suggested_id"].isin(self._opted("no_suggest"))].head(SUGGESTIONS_SHOWN)
        suggestions = []
        mine = dept.get(person_id)
        for rank, (pid, n, ch) in enumerate(sug.itertuples(index=False), start=1):
            reasons = []
            if n:
                reasons.append(words.count(int(n), "shared contact"))
            if ch:
                reasons.append(words.count(int(ch), "shared channel"))
            same = dept.get(pid) == mine and where(pid) != "another department"
            reasons.append("works in your department" if same else f"works in {where(pid)}")
            suggestions.append(
                {
                    "rank": rank,
                    "label": label(pid),
                    "department": dept.get(pid),
                    "shared_contacts": int(n),
                    "shared_channels": int(ch),
                    "reasons": reasons,
                }
            )
        stage = {k: body.get(k) for k in ("stage", "next_stage", "scores", "thresholds")}
        stage["indicators"] = body.get("indicators", {})
        stage["labels"] = STAGE_LABELS
        return {
            "run_id": run.run_id,
            "person_id": person_id,
            "stage": stage,
            "next_steps": body.get("next_steps", []),
            "bridges": body.get("bridges", []),
            "questions": body.get("questions", {}),
            "question_words": _question_words(body.get("questions", {})),
            "personas": _persona_story(body.get("personas", [])),
            "suggestions": suggestions,
            "ego": self._my_ego(run, person_id, label),
            "optouts": self.optouts(person_id),
        }

    def _my_ego(self, run: Any, person_id: str, label: Any) -> dict[str, Any]:
        """The person's contacts on a small radial map: me in the centre, contacts around by
        department, ``direction`` out (one-way, mine), in (one-way, theirs) or both. Only the
        person's own ties: none between two other people."""
        adj = self._adjacency(run)
        if person_id not in adj.index:
            return {"nodes": [], "edges": [], "departments": [], "more": 0}
        i = int(adj.index.get_loc(person_id))
        outs = adj.dst[adj.out_ptr[i] : adj.out_ptr[i + 1]]
        ins = adj.src[adj.in_order[adj.in_ptr[i] : adj.in_ptr[i + 1]]]
        w_out = adj.w[adj.out_ptr[i] : adj.out_ptr[i + 1]]
        w_in = adj.w[adj.in_order[adj.in_ptr[i] : adj.in_ptr[i + 1]]]
        contacts, inv = np.unique(np.concatenate([outs, ins]), return_inverse=True)
        strength = np.bincount(inv, weights=np.concatenate([w_out, w_in]), minlength=len(contacts))
        is_out = np.isin(contacts, outs)
        is_in = np.isin(contacts, ins)
        keep = contacts != i
        contacts, strength, is_out, is_in = (
            contacts[keep], strength[keep], is_out[keep], is_in[keep]
        )  # fmt: skip
        order = np.argsort(-strength, kind="stable")[:EGO_SHOWN]
        depts = [str(adj.department[c]) for c in contacts[order]]
        # around the circle grouped by department, the largest group first
        by = sorted(set(depts), key=lambda d: (-depts.count(d), d))
        colour = {d: PALETTE[k % len(PALETTE)] for k, d in enumerate(by)}
        placed = sorted(range(len(order)), key=lambda k: (by.index(depts[k]), k))
        nodes = [{"id": "me", "label": "me", "x": 0.0, "y": 0.0, "centre": True}]
        edges = []
        total = max(len(placed), 1)
        for slot, k in enumerate(placed):
            c = int(contacts[order[k]])
            angle = 2 * math.pi * slot / total - math.pi / 2
            direction = (
                "both"
                if is_out[order[k]] and is_in[order[k]]
                else "out"
                if is_out[order[k]]
                else "in"
            )
            nid = f"c{slot + 1}"
            nodes.append(
                {
                    "id": nid,
                    "label": label(adj.id_list[c]),
                    "department": depts[k],
                    "colour": colour[depts[k]],
                    "x": round(math.cos(angle), 4),
                    "y": round(math.sin(angle), 4),
                    "centre": False,
                    "strength": float(strength[order[k]]),
                    "direction": direction,
                }
            )
            edges.append({"from": "me", "to": nid, "direction": direction})
        counts = {
            "both": int((is_out & is_in).sum()),
            "out": int((is_out & ~is_in).sum()),
            "in": int((is_in & ~is_out).sum()),
        }
        return {
            "nodes": nodes,
            "edges": edges,
            "departments": [
                {"name": d, "colour": colour[d], "contacts": depts.count(d)} for d in by
            ],
            "ties": counts,
            "contacts": len(contacts),
            "more": max(len(contacts) - len(order), 0),
        }


def _question_words(q: dict[str, Any]) -> str:
    """The person's questions in a sentence, counts and plurals agreeing (groundswell.words)."""
    asked, answered, given = (
        int(q.get(k) or 0) for k in ("asked", "asked_answered", "answers_given")
    )
    said = f"You asked {words.count(asked, 'question')}"
    if asked == 1:
        said += ", answered" if answered else ", not answered yet"
    elif asked:
        said += f", {answered} of them answered"
    return f"{said}; you answered {words.count(given, 'question')} of others."


def _persona_story(history: list[dict[str, Any]]) -> dict[str, Any]:
    """The persona history stored by analyze (oldest first) with what it means in words and
    the colours of its strip."""
    periods = []
    for h in history:
        start, end = pd.Timestamp(h["start"]), pd.Timestamp(h["end"]) - pd.Timedelta(days=1)
        periods.append(
            {
                **h,
                "label": f"{start:%-d %b} – {end:%-d %b %Y}",
                "colour": PERSONA_COLOURS.get(h["persona"] or "", "#e5e7eb"),
                "meaning": PERSONA_WORDS.get(h["persona"] or "", "no activity in this period"),
            }
        )
    if not periods:
        return {"periods": [], "summary": ""}
    now = periods[-1]["persona"]
    run = 1
    while run < len(periods) and periods[-1 - run]["persona"] == now:
        run += 1
    name = now or "not active"
    if run == len(periods):
        summary = f"You have been {_a(name)} in each of the last {words.count(run, 'period')}."
    else:
        before = periods[-1 - run]["persona"] or "not active"
        since = periods[-run]["label"].split(" – ")[0]
        summary = (
            f"You are {_a(name)} since the period starting {since}; before that you were "
            f"{_a(before)}."
        )
    return {"periods": periods, "summary": summary}


def _a(persona: str) -> str:
    """A persona with its article ("an engager", "a catalyst", "not active")."""
    if persona == "not active":
        return persona
    return f"{'an' if persona[0] in 'aeiou' else 'a'} {persona}"
