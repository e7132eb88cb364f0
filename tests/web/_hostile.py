"""A workspace whose every text field is an attack, and a check that a page shows it as text.

:func:`build` writes a small synthetic organisation (:mod:`groundswell.synth`, 60 people,
9 weeks) whose HR names, departments, teams, titles, locations, grades and cost centres,
and whose event channel names, each carry one of :data:`PAYLOADS`. It adds a Slack export
with two guests whose profile names and titles are payloads, in a channel whose name is one
(with an org chart, guests stay out of the analysis: their names reach no page here); a
closed survey and an open one whose names, question texts, help and scale labels are
payloads, with nominations (so the respondent form lists nominees by their hostile names);
an account for each role, and one whose user name is a payload (written straight into the
table, as a workspace from elsewhere could hold it: :func:`groundswell.web.auth.add_user`
refuses such names); two analysis runs, a champion plan and the monthly snapshots. The
data folder's name is a payload too, so the sources page shows it.

:func:`scan` parses a page with :class:`html.parser.HTMLParser` and lists every element or
attribute that could only have come from the data: an ``<img>``, ``<iframe>``, ``<object>``
or ``<embed>`` (no template has one), a ``<script>`` that is neither one of the bundled
files nor a JSON data block, an ``on*`` attribute, a URL attribute starting with
``javascript:``, a comment holding a payload, an inline script holding one, and a JSON
data block that holds raw markup or does not parse.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

import groundswell as gs
from groundswell import ops, synth
from groundswell.survey import model, questions, respond
from groundswell.survey.respond import Nomination
from groundswell.value import timeline
from groundswell.web import auth

PASSWORD = "lantern orbit pickle marmalade"
#: what a payload leaves in a page's text when it is shown as text
MARK = "alert(1)"
PAYLOADS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "javascript:alert(1)//",
    "'<!--<svg onload=alert(1)>",
)
HOSTILE_USER = '"><img src=x onerror=alert(1)>'
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "data", "poster", "xlink:href"}
FOREIGN_TAGS = {"img", "iframe", "object", "embed"}  # an <svg> is caught by its on*
SCRIPT_SOURCES = ("/static/", "/survey/static/")
RAW = ("<script", "<img", "<svg", "<!--<")


def hostile(text: object, i: int) -> str:
    """``text`` with the ``i``-th payload (a ``javascript:`` one leads, as a URL would)."""
    p = PAYLOADS[i % len(PAYLOADS)]
    return f"{p}{text}" if p.startswith("javascript:") else f"{text} {p}"


@dataclass
class HostileWorkspace:
    path: Path
    runs: tuple[int, int]
    plan_id: int
    closed_survey: int
    open_survey: int
    token: str  # a respondent of the open survey who has named colleagues
    person_id: str  # an HR person with ties
    department: str  # a department (with a payload in its name) of 5 people or more


def _hr(org: synth.SynthOrg) -> pd.DataFrame:
    people = org.people.copy()
    for column in ("department", "team", "title", "location", "grade", "cost_centre"):
        values = sorted(people[column].astype(str).unique())
        names = {v: hostile(v, i) if v else v for i, v in enumerate(values)}
        people[column] = people[column].astype(str).map(names)
    people["name"] = [hostile(n, i) for i, n in enumerate(people["name"])]
    return people


def _events(org: synth.SynthOrg) -> pd.DataFrame:
    events = org.events.copy()
    channels = events["channel"].cat.categories
    renamed = {c: hostile(c, i) for i, c in enumerate(channels)}
    events["channel"] = events["channel"].cat.rename_categories(renamed)
    return events


def _slack(folder: Path, people: pd.DataFrame) -> Path:
    """A small Slack export: three HR people and two guests talking in a hostile channel."""
    t0 = pd.Timestamp("2024-01-16T10:00:00Z").timestamp()
    emails = list(people["email"].iloc[:3])
    users = [
        {"id": f"U{i}", "name": f"u{i}", "real_name": f"Staff {i}", "profile": {"email": e}}
        for i, e in enumerate(emails)
    ]
    for k, (name, title) in enumerate([(PAYLOADS[0], PAYLOADS[1]), (PAYLOADS[2], PAYLOADS[3])]):
        users.append(
            {
                "id": f"G{k}",
                "name": f"guest{k}",
                "real_name": f"Guest {k} {name}",
                "is_restricted": True,
                "profile": {"email": f"guest{k}@partner.example", "title": title},
            }
        )
    channel = hostile("partners", 1)
    files: dict[str, object] = {
        "users.json": users,
        "channels.json": [
            {"id": "C1", "name": channel, "created": t0, "members": [u["id"] for u in users]}
        ],
        f"{channel}/2024-01-16.json": [
            {"type": "message", "user": u["id"], "text": "hello", "ts": f"{t0 + 60 * i:.6f}"}
            for i, u in enumerate(users * 3)
        ],
    }
    root = folder / "slack"
    for name, value in files.items():
        f = root / name
        f.parent.mkdir(parents=True, exist_ok=True)
        f.write_text(json.dumps(value))
    return root


def _survey(ws: gs.Workspace, name: str) -> tuple[int, list[model.Link]]:
    """A launched survey of hostile questions; a dozen respondents submit."""
    qs = [
        questions.question("advice", max_nominations=3, help=PAYLOADS[2]),
        questions.question("custom", hostile("Whom do you ask?", 0), slug="whom"),
        questions.question(
            "attribute",
            hostile("How settled are you?", 1),
            slug="settled",
            scale=5,
            scale_low=PAYLOADS[0],
            scale_high=PAYLOADS[3],
            help=PAYLOADS[1],
        ),
    ]
    s = model.create(ws, name, qs)
    links = model.launch(ws, s, base_url="https://ona.example.com")
    numbers = dict(
        ws.con.execute(
            "SELECT person_id, roster_no FROM survey_invitations WHERE survey_id = ?",
            [s.survey_id],
        ).fetchall()
    )
    roster = sorted(numbers.values())
    for i, link in enumerate(links[:12]):
        who = respond.resolve(ws, link.url.rsplit("/s/", 1)[1])
        mine = numbers[link.person_id]
        named = [n for n in roster if n != mine][i : i + 3]
        noms = {"advice": [Nomination(n) for n in named], "whom": [Nomination(named[0])]}
        respond.submit(ws, who, noms, {"settled": 1 + i % 5})
    return s.survey_id, links


def build(folder: Path) -> HostileWorkspace:
    """The hostile workspace under ``folder`` (see the module's docstring)."""
    org = synth.generate(60, seed=11, weeks=9)
    data = folder / f"data {PAYLOADS[1]}"
    data.mkdir(parents=True)
    people = _hr(org)
    hr = data / "hris.csv"
    people.to_csv(hr, index=False)
    events = data / "events.parquet"
    _events(org).to_parquet(events)
    with gs.init(folder / "ws", identified=True) as ws:
        ws.ingest_orgchart(hr)
        ws.ingest_events(events)
        ws.ingest("slack", _slack(data, people))
        first = ws.analyze("2024-01-01:2024-02-05")
        latest = ws.analyze()
        plan = ws.champions(k=3, runs=50, seed=1)
        timeline.snapshots(ws, "month")
        closed, _ = _survey(ws, hostile("Spring", 0))
        model.close(ws, closed)  # after the runs: its ties are dated today
        opened, links = _survey(ws, hostile("Autumn", 1))
        ranked = latest.people()
        for role in ("admin", "analyst", "viewer"):
            auth.add_user(ws, role, PASSWORD, role)
        auth.add_user(ws, "person", PASSWORD, "person", str(ranked.index[1]))
        with ops.opened(ws.folder) as sq, ops.writing(sq):  # past add_user's name check
            sq.execute(
                "INSERT INTO users (username, password_hash, role, person_id, created_at, "
                "disabled) SELECT ?, password_hash, 'viewer', NULL, created_at, 0 FROM users "
                "WHERE username = 'admin'",
                [HOSTILE_USER],
            )
        biggest = ws.query(  # as the org chart has it (a run's people show small ones merged)
            "SELECT department, count(*) AS n FROM people WHERE is_internal "
            "GROUP BY department ORDER BY n DESC, department LIMIT 1"
        )
    return HostileWorkspace(
        path=folder / "ws",
        runs=(first.run_id, latest.run_id),
        plan_id=plan.plan_id,
        closed_survey=closed,
        open_survey=opened,
        token=links[0].url.rsplit("/s/", 1)[1],
        person_id=str(ranked.index[0]),
        department=str(biggest["department"].iloc[0]),
    )


class _Scan(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.text: list[str] = []
        self._script: dict[str, str | None] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        where = f"<{tag} {attrs}>"[:200]
        if tag in FOREIGN_TAGS:
            self.problems.append(f"element from data: {where}")
        for name, value in attrs:
            if name.startswith("on") or MARK in name:
                self.problems.append(f"attribute from data: {where}")
            if name in URL_ATTRIBUTES and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"javascript: URL: {where}")
        if tag == "script":
            found = dict(attrs)
            src = found.get("src")
            if src is not None and not src.startswith(SCRIPT_SOURCES):
                self.problems.append(f"script from elsewhere: {where}")
            self._script = found

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._script = None

    def handle_data(self, data: str) -> None:
        if self._script is None:
            self.text.append(data)
            return
        if self._script.get("type") == "application/json":
            if any(r in data.lower() for r in RAW):
                self.problems.append(f"raw markup inside a data block: {data[:120]!r}")
            try:
                json.loads(data)
            except ValueError as exc:
                self.problems.append(f"a JSON data block that does not parse: {exc}")
        elif self._script.get("src") is None and MARK in data:
            self.problems.append(f"inline script with a payload: {data[:120]!r}")

    def handle_comment(self, data: str) -> None:
        if MARK in data:
            self.problems.append(f"a comment opened by data: {data[:120]!r}")


def scan(html: str) -> tuple[list[str], str]:
    """(what in ``html`` came from data as markup, the page's text outside scripts)."""
    parser = _Scan()
    parser.feed(html)
    parser.close()
    return parser.problems, "".join(parser.text)
