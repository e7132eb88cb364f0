"""Synthetic organisation: an HR file, an event log and the structure planted in them.

The generator is the demo's built-in data and the tests' ground truth. Output is fully
determined by the seed and everything is vectorised with numpy, so 100,000 people with a
quarter of events (about 52 million rows) take well under a minute. The model:

* a tree-shaped org chart (CEO, department heads, directors, managers, individual
  contributors); every manager leads a *unit*: themselves plus their direct reports;
* a fixed acquaintance graph of weak ties, mostly inside the division and department and
  a few across departments, following a department-affinity matrix;
* events drawn per person from Poisson rates: direct messages, emails and meetings aimed at
  the unit, the manager or an acquaintance; threads in team, department and
  community-of-practice channels, with replies and reactions; leaders' announcements and
  all-staff emails; a deploy bot; a few external correspondents.

The planted structure (hidden influencers, brokers, a siloed department, a bottleneck
manager) is enforced by one rule, :meth:`_Events._forbidden`, applied to every
actor-target pair, so no event can leak across a planted boundary.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

# fmt: off
__all__ = ["BOT_EMAIL", "CHANNEL_KINDS", "EVENT_COLUMNS", "HR_COLUMNS", "KINDS", "SynthOrg",
           "generate"]
HR_COLUMNS = ["employee_id", "name", "email", "manager_id", "department", "team", "title",
              "level", "location", "hire_date", "leave_date", "grade", "cost_centre"]
EVENT_COLUMNS = ["event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind",
                 "thread", "parent", "is_bot", "is_question"]
KINDS = ("post", "reply", "mention", "reaction", "dm", "email", "meeting")
CHANNEL_KINDS = ("public", "private", "dm", "group_dm", "community", "list", "meeting")
BOT_EMAIL = "deploy-bot@example.com"
BROADCAST_MIN_TARGETS = 26  # an email to more than 25 people is a broadcast, not a tie


class _Dept(NamedTuple):
    name: str
    prefix: str  # channel-name prefix
    weight: float  # share of head count
    head_title: str
    manager_title: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]


_DEPARTMENTS = [  # in the order departments are added as the organisation grows
    _Dept("Engineering", "eng", 0.27, "VP Engineering", "Engineering Manager",
          ("Software Engineer", "Site Reliability Engineer", "Data Engineer", "QA Engineer"),
          ("Platform", "Payments", "Mobile", "Search", "Identity", "Infrastructure", "Data",
           "Growth", "Billing", "Observability", "Security", "Frontend", "API", "Tooling")),
    _Dept("Sales", "sales", 0.17, "VP Sales", "Sales Manager",
          ("Account Executive", "Sales Development Rep", "Account Manager"),
          ("Enterprise", "Mid-Market", "SMB", "Public Sector", "Renewals", "Partnerships",
           "EMEA", "APAC", "Americas")),
    _Dept("Marketing", "mkt", 0.08, "Chief Marketing Officer", "Marketing Manager",
          ("Marketing Specialist", "Content Strategist", "Growth Marketer"),
          ("Brand", "Content", "Demand Gen", "Product Marketing", "Events", "Digital")),
    _Dept("Finance", "fin", 0.06, "Chief Financial Officer", "Finance Manager",
          ("Financial Analyst", "Accountant", "Payroll Specialist"),
          ("Planning", "Accounting", "Treasury", "Tax", "Procurement", "Revenue")),
    _Dept("HR", "hr", 0.05, "Chief People Officer", "People Manager",
          ("HR Business Partner", "Recruiter", "People Ops Specialist"),
          ("Recruiting", "People Ops", "Learning", "Rewards", "Talent")),
    _Dept("Operations", "ops", 0.12, "Chief Operating Officer", "Operations Manager",
          ("Operations Analyst", "Program Coordinator", "IT Specialist"),
          ("Facilities", "Logistics", "IT", "Vendors", "Workplace", "Business Systems")),
    _Dept("Product", "prod", 0.07, "VP Product", "Group Product Manager",
          ("Product Manager", "Product Designer", "UX Researcher"),
          ("Core", "Experience", "Insights", "Design", "Monetisation", "Onboarding")),
    _Dept("Support", "support", 0.10, "VP Customer Support", "Support Manager",
          ("Support Specialist", "Technical Support Engineer", "Customer Success Rep"),
          ("Frontline", "Escalations", "Implementation", "Customer Success", "Premium")),
    _Dept("Legal", "legal", 0.04, "General Counsel", "Legal Manager",
          ("Counsel", "Paralegal", "Compliance Analyst"),
          ("Commercial", "Privacy", "Compliance", "Corporate", "Employment")),
    _Dept("Research", "research", 0.06, "VP Research", "Research Manager",
          ("Research Scientist", "Research Engineer", "Data Scientist"),
          ("Applied ML", "Foundations", "Experiments", "Optimisation", "Simulation")),
]
_AFFINITY = [("Engineering", "Product"), ("Engineering", "Research"), ("Sales", "Marketing"),
             ("Sales", "Support"), ("Finance", "Legal"), ("HR", "Finance"),
             ("Operations", "Finance"), ("Product", "Marketing"), ("Support", "Engineering")]
_LOCATIONS = [("New York", -5), ("London", 0), ("Berlin", 1), ("Singapore", 8),
              ("Toronto", -5), ("Sydney", 11)]  # name, UTC offset in hours (winter)
_COPS = ["cop-data", "cop-ai", "cop-security", "cop-design", "cop-customer-voice",
         "cop-automation"]
_FIRST_NAMES = (
    "James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara "
    "Richard Susan Joseph Jessica Thomas Sarah Charles Karen Daniel Nancy Matthew Lisa Anthony "
    "Betty Mark Sandra Paul Ashley Steven Emily Andrew Donna Joshua Michelle Kevin Carol Brian "
    "Amanda George Melissa Omar Priya Wei Mei Raj Aisha Carlos Sofia Lukas Anna Kenji Yuki "
    "Ahmed Fatima Ivan Olga Diego Lucia Noah Emma Liam Olivia Mateo Chloe")
_LAST_NAMES = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White "
    "Harris Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Nguyen "
    "Hill Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Patel Kim Chen "
    "Singh Muller Schmidt Rossi Tanaka Sato Kowalski Novak Silva Costa Murphy Kelly")
_EXTERNAL_DOMAINS = ["acme-corp.com", "globex.io", "initech.net", "umbrella.co", "hooli.com",
                     "stark-industries.com", "wayne-enterprises.com", "tyrell.ai"]
# events per person per week, before each person's activity multiplier (mean 1)
_RATES = {"dm": 11.0, "email": 5.0, "meeting": 2.0, "mention": 2.5, "team_post": 3.5,
          "dept_post": 0.8, "cop_post": 1.5, "announce": 1.5}
# fmt: on

_DAY, _HOUR, _MINUTE, _SECOND = 86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9
_K = {k: i for i, k in enumerate(KINDS)}
_CK = {k: i for i, k in enumerate(CHANNEL_KINDS)}


@dataclass
class SynthOrg:
    """A synthetic organisation.

    Attributes
    ----------
    people : pandas.DataFrame
        The HR file, one row per employee, columns :data:`HR_COLUMNS`, sorted by id. Dates
        are ISO strings; ``manager_id`` and ``leave_date`` are empty strings when absent.
    events : pandas.DataFrame
        The generic events file, one row per act, columns :data:`EVENT_COLUMNS`, sorted by
        timestamp. ``actor``, ``kind``, ``channel`` and ``channel_kind`` are categoricals;
        event ids are ``"e"`` plus a zero-padded rank in time, so they sort like time.
    truth : dict
        The planted structure and metadata, JSON-serialisable (employee ids, not emails).
    """

    people: pd.DataFrame
    events: pd.DataFrame
    truth: dict

    def write(self, folder: str | Path, *, events_format: str = "parquet") -> dict[str, Path]:
        """Write ``hris.csv``, ``events.parquet`` (or ``events.csv``) and ``truth.json``.

        Parameters
        ----------
        folder : str or Path
            Destination folder, created if missing.
        events_format : {"parquet", "csv"}
            File format of the events file.

        Returns
        -------
        dict of str to Path
            The paths written, keyed ``"hris"``, ``"events"`` and ``"truth"``.
        """
        if events_format not in ("parquet", "csv"):
            raise ValueError(f"events_format must be 'parquet' or 'csv', not {events_format!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"hris": folder / "hris.csv", "events": folder / f"events.{events_format}"}
        paths["truth"] = folder / "truth.json"
        self.people.to_csv(paths["hris"], index=False)
        table = pa.Table.from_pandas(self.events, preserve_index=False)
        if events_format == "parquet":
            pq.write_table(table, paths["events"], compression="zstd")
        else:  # plain strings, and timestamps to the second ("2024-01-01 09:00:00Z")
            plain = [
                pa.string() if pa.types.is_dictionary(f.type) else f.type for f in table.schema
            ]
            plain[EVENT_COLUMNS.index("timestamp")] = pa.timestamp("s", tz="UTC")
            schema = pa.schema(zip(table.column_names, plain, strict=True))
            pacsv.write_csv(table.cast(schema), paths["events"])
        paths["truth"].write_text(json.dumps(self.truth, indent=2))
        return paths


def generate(
    n_people: int = 1000, *, seed: int = 0, start: str = "2024-01-01", weeks: int = 13
) -> SynthOrg:
    """Generate a synthetic organisation, its event log and the structure planted in it.

    Parameters
    ----------
    n_people : int
        Head count, from 50 to 100,000.
    seed : int
        Seed of the numpy random generator; the same arguments give identical output.
    start : str
        First day of the event period (taken as midnight UTC).
    weeks : int
        Length of the event period in weeks, at least 1.

    Returns
    -------
    SynthOrg
        HR file, events (about 40 per person per week) and planted truth.

    Raises
    ------
    ValueError
        If ``n_people`` is outside [50, 100000] or ``weeks`` is below 1.
    """
    if not 50 <= n_people <= 100_000:
        raise ValueError(f"n_people must be between 50 and 100,000, got {n_people}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tz is None else t0.tz_convert("UTC")).normalize()
    rng = np.random.default_rng(seed)
    org = _Org(int(n_people), rng, int(t0.value), int(weeks))
    events = _Events(org, rng).build()
    return SynthOrg(people=org.people(), events=events, truth=org.truth(seed))


# --------------------------------------------------------------------------- helpers


def _apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    rest = total - minimum * len(weights)
    raw = np.asarray(weights, dtype=float) / np.sum(weights) * rest
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw)[: rest - out.sum()]] += 1
    return out + minimum


def _csr(groups: np.ndarray, members: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ``members`` by ``groups``: (pointer, members sorted by group)."""
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=n_groups), out=ptr[1:])
    return ptr, members[np.argsort(groups, kind="stable")]


# "0000".."9999" as uint32 words of four ASCII digits (a view, so byte order does not matter)
_DIGITS = np.array([list(f"{k:04d}".encode()) for k in range(10_000)], np.uint8).view(np.uint32)


def _id_strings(idx: np.ndarray, width: int) -> pa.Array:
    """``'e'`` + zero-padded ``idx + 1`` ('' where idx < 0), built without Python loops."""
    ok = idx >= 0
    x, k = idx[ok] + 1, width // 4
    words = np.empty((len(x), k), dtype=np.uint32)
    for j in range(k):  # four digits at a time, from the right
        x, r = np.divmod(x, 10_000)
        words[:, k - 1 - j] = _DIGITS[r, 0]
    text = np.empty((len(words), width + 1), dtype=np.uint8)
    text[:, 0] = ord("e")
    text[:, 1:] = words.view(np.uint8).reshape(len(words), width)
    offsets = np.zeros(len(idx) + 1, dtype=np.int64)
    np.cumsum(ok * (width + 1), out=offsets[1:])
    buffers = [None, pa.py_buffer(offsets), pa.py_buffer(text)]
    return pa.Array.from_buffers(pa.large_string(), len(idx), buffers)


# --------------------------------------------------------------------------- the org chart


class _Org:
    """People (in tree order), hierarchy, attributes, planted roles and employment dates."""

    def __init__(self, n: int, rng: np.random.Generator, start: int, weeks: int) -> None:
        self.n, self.rng, self.start, self.weeks = n, rng, start, weeks
        self.end = start + weeks * 7 * _DAY
        self._hierarchy()
        self._attributes()
        self._plant()
        self._dates()

    def _hierarchy(self) -> None:
        n, rng = self.n, self.rng
        self.D = int(np.clip(round(6 + 4 * np.log(n / 50) / np.log(2000)), 6, 10))
        self.specs = _DEPARTMENTS[: self.D]
        sizes = _apportion(n - 1, np.array([s.weight for s in self.specs]), minimum=4)
        manager, level, dept = [-1], [1], [self.D]  # the CEO's department is "Executive"
        stack = []
        for d, size in enumerate(sizes):
            stack.append((len(manager), int(size) - 1, True))
            manager.append(0), level.append(2), dept.append(d)
        deepest = 4 if n < 150 else 5 if n < 2000 else 6 if n < 20_000 else 7
        while stack:  # one iteration per manager: split the people below into sub-units
            node, below, is_head = stack.pop()
            lv, d, left = level[node] + 1, dept[node], deepest - level[node]
            ics = below  # direct reports who manage no one
            if left > 1 and (below > 12 or (is_head and below >= 6)):
                span = int(rng.integers(4, 10))
                k = max(2, -(-below // 10 ** (left - 1)), min(span, round(below / 9)))
                ics = max(0, min(span - k, below - 5 * k))
                for size in _apportion(below - k - ics, rng.dirichlet(np.full(k, 6.0))):
                    stack.append((len(manager), int(size), False))
                    manager.append(node), level.append(lv), dept.append(d)
            manager += [node] * ics
            level += [lv] * ics
            dept += [d] * ics
        self.manager, self.level, self.dept = np.array(manager), np.array(level), np.array(dept)
        self.n_reports = np.bincount(self.manager[1:], minlength=n)
        self.is_mgr = self.n_reports > 0
        self.leader = self.level <= 2
        self.mgr_ids = np.flatnonzero(self.is_mgr)  # unit u is led by mgr_ids[u]
        self.unit_of = np.full(n, -1)
        self.unit_of[self.mgr_ids] = np.arange(len(self.mgr_ids))
        self.secondary = self.unit_of[np.maximum(self.manager, 0)]  # the manager's unit
        self.primary = np.where(self.is_mgr, self.unit_of, self.secondary)  # own unit if any
        members = np.concatenate([np.arange(1, n), self.mgr_ids])
        groups = np.concatenate([self.secondary[1:], self.unit_of[self.mgr_ids]])
        self.unit_ptr, self.unit_members = _csr(groups, members, len(self.mgr_ids))
        mgr_reports = np.bincount(self.manager[self.is_mgr & (self.manager >= 0)], minlength=n)
        self.is_leaf_mgr = self.is_mgr & (mgr_reports == 0) & (self.level >= 3)
        anc = np.arange(n)  # division = ancestor at level 3 (heads and the CEO are their own)
        for _ in range(int(self.level.max())):
            anc = np.where(self.level[anc] > 3, self.manager[anc], anc)
        self.division = anc

    def _attributes(self) -> None:
        n, rng, specs = self.n, self.rng, self.specs
        width = max(5, len(str(n)))  # shuffled, so ids do not reveal the hierarchy
        self.ids = np.array([f"E{k:0{width}d}" for k in rng.permutation(n) + 1])
        self.first = rng.choice(_FIRST_NAMES.split(), n)
        self.last = rng.choice(_LAST_NAMES.split(), n)
        base = pd.Series(np.char.lower(np.char.add(np.char.add(self.first, "."), self.last)))
        number = (base.groupby(base).cumcount() + 1).astype(str)
        self.email = (base + "." + number + "@example.com").to_numpy(dtype=object)
        counters, names, channels = [0] * self.D, [], []  # unit names and their channels
        for m in self.mgr_ids:
            spec = specs[self.dept[m]] if m else None
            if spec is None or self.level[m] == 2:
                names.append(f"{spec.name} Leadership" if spec else "Executive Leadership")
                channels.append(f"{spec.prefix}-leads" if spec else "exec-team")
                continue
            c, counters[self.dept[m]] = counters[self.dept[m]], counters[self.dept[m]] + 1
            word = spec.teams[c % len(spec.teams)]
            word += f" {c // len(spec.teams) + 1}" if c >= len(spec.teams) else ""
            leaf = self.is_leaf_mgr[m]
            names.append(word if leaf else f"{word} Group")
            slug = re.sub(r"[^a-z0-9]+", "-", word.lower())
            channels.append(f"{spec.prefix}-{slug}-{'team' if leaf else 'group'}")
        self.unit_names, self.unit_channels = np.array(names), channels
        self.team = self.unit_names[self.primary]
        # 3-6 sites; each department has a main site; teams are mostly co-located
        n_loc = 3 + (n >= 300) + (n >= 3000) + (n >= 30_000)
        self.locations = _LOCATIONS[:n_loc]
        home = rng.integers(n_loc, size=self.D + 1)
        probs = 0.6 * np.eye(n_loc)[home] + 0.4 * rng.dirichlet(np.full(n_loc, 0.7), self.D + 1)
        draw = np.minimum((rng.random((n, 1)) > probs.cumsum(1)[self.dept]).sum(1), n_loc - 1)
        self.loc = np.where(rng.random(n) < 0.85, draw[self.mgr_ids][self.primary], draw)
        self.loc[self.leader] = 0  # leadership sits at headquarters
        seniority = rng.choice(4, n, p=[0.15, 0.45, 0.3, 0.1])
        role = rng.integers(0, 4, n)
        self.title, self.grade = ["Chief Executive Officer"], ["G10"]
        for i in range(1, n):
            spec = specs[self.dept[i]]
            if self.level[i] == 2:
                title, grade = spec.head_title, 9
            elif self.is_leaf_mgr[i]:
                title, grade = spec.manager_title, 6
            elif self.is_mgr[i]:
                rank = "Director" if self.level[i] == 3 else "Senior Manager"
                title = f"{rank}, {self.unit_names[self.unit_of[i]].removesuffix(' Group')}"
                grade = 8 if self.level[i] == 3 else 7
            else:
                prefix = ("Associate ", "", "Senior ", "Staff ")[seniority[i]]
                title, grade = prefix + spec.roles[role[i] % len(spec.roles)], 3 + seniority[i]
            self.title.append(title)
            self.grade.append(f"G{grade}")
        below = self.level >= 3  # cost centre: department and division (level-3 branch)
        div_no = np.zeros(n, dtype=np.int64)
        by_dept = pd.Series(self.division[below]).groupby(self.dept[below])
        div_no[below] = by_dept.rank(method="dense").to_numpy()
        prefix = ["EXEC" if d == self.D else specs[d].prefix.upper() for d in self.dept]
        self.cost_centre = [f"CC-{p}-{k:03d}" for p, k in zip(prefix, div_no, strict=True)]

    def _plant(self) -> None:
        n, rng, D = self.n, self.rng, self.D
        size = np.bincount(self.dept, minlength=D + 1)
        cands = [d for d in range(1, D) if size[d] >= max(8, 0.03 * n)]
        self.siloed = int(rng.choice(cands)) if cands else int(np.argmax(size[1:D]) + 1)
        pool = [int(d) for d in rng.permutation([d for d in range(D) if d != self.siloed])]
        self.pairs = [(pool[2 * i], pool[2 * i + 1]) for i in range(2 if n < 5000 else 3)]
        free = pool[2 * len(self.pairs) :]  # departments not involved in any planted pattern
        # bottleneck manager: leads a team of 5-10 individual contributors, if possible
        leaf, sized = self.is_leaf_mgr, (self.n_reports >= 5) & (self.n_reports <= 10)
        calm = leaf & np.isin(self.dept, free)
        masks = [calm & sized, leaf & sized & (self.dept != self.siloed), calm, leaf, self.is_mgr]
        self.bottleneck = int(rng.choice(np.flatnonzero(next(m for m in masks if m.any()))))
        self.closed = (self.manager == self.bottleneck) & ~self.is_mgr  # the team
        self.bunit = self.closed.copy()  # the team and its manager
        self.bunit[self.bottleneck] = True
        taken = self.bunit | self.leader
        self.brokers = []  # one person in the first department of each pair
        for i, (a, b) in enumerate(self.pairs):
            c = np.flatnonzero((self.dept == a) & ~taken & ~self.is_mgr)
            if not len(c):  # a small department fully taken: the broker sits on the other side
                self.pairs[i] = (a, b) = (b, a)
                c = np.flatnonzero((self.dept == a) & ~taken & ~self.is_mgr)
            if not len(c):  # still nobody: a manager of the department will do
                c = np.flatnonzero((self.dept == a) & ~taken)
            self.brokers.append(int(rng.choice(c)))
            taken[self.brokers[-1]] = True
        # hidden influencers: individual contributors at (or one above) their department's
        # bottom level, spread over the departments not involved in other patterns
        n_inf = 3 if n < 2000 else 4 if n < 20_000 else 5
        bottom = pd.Series(self.level).groupby(self.dept).transform("max").to_numpy()
        low = ~self.is_mgr & ~taken & (self.level >= bottom - 1)
        depts = free or [d for d in range(D) if d != self.siloed]
        self.influencers = []
        for k in range(n_inf):
            c = np.flatnonzero(low & (self.dept == depts[k % len(depts)]))
            c = c if len(c) else np.flatnonzero(low & np.isin(self.dept, depts))
            c = c if len(c) else np.flatnonzero(low)  # a tiny organisation: anyone low
            self.influencers.append(int(rng.choice(c)))
            low[self.influencers[-1]] = False
        self.planted = taken.copy()
        self.planted[self.influencers] = True
        self.dept_names = [*(s.name for s in self.specs), "Executive"]

    def _dates(self) -> None:
        n, rng, day0, days = self.n, self.rng, self.start // _DAY, self.weeks * 7
        tenure = np.minimum(rng.exponential(3 * 365, n), 12 * 365).astype(np.int64) + 30
        tenure[self.leader] = np.maximum(tenure[self.leader], 400)
        tenure[0] = 2900
        hire, leave = day0 - tenure, np.full(n, -1)
        churn = rng.permutation(np.flatnonzero(~(self.is_mgr | self.planted)))
        n_new, n_gone = max(1, round(0.02 * len(churn))), max(1, round(0.03 * len(churn)))
        new, gone = churn[:n_new], churn[n_new : n_new + n_gone]  # joiners and leavers
        hire[new] = day0 + rng.integers(1, max(2, 2 * days // 3), n_new)
        leave[gone] = day0 + rng.integers(max(1, days // 4), days, n_gone)
        self.hire_day, self.leave_day = hire, leave
        self.lo = np.maximum(hire * _DAY, self.start)  # active from (ns) ...
        self.hi = np.where(leave >= 0, leave * _DAY, self.end)  # ... until (exclusive)

    def people(self) -> pd.DataFrame:
        def iso(days: np.ndarray) -> np.ndarray:
            text = pd.to_datetime(np.maximum(days, 0), unit="D").strftime("%Y-%m-%d")
            return np.where(days >= 0, text.to_numpy(), "")

        df = pd.DataFrame(
            {
                "employee_id": self.ids,
                "name": np.char.add(np.char.add(self.first, " "), self.last),
                "email": self.email,
                "manager_id": np.where(
                    self.manager >= 0, self.ids[np.maximum(self.manager, 0)], ""
                ),
                "department": np.array(self.dept_names)[self.dept],
                "team": self.team,
                "title": self.title,
                "level": self.level.astype(np.int64),
                "location": np.array([name for name, _ in self.locations])[self.loc],
                "hire_date": iso(self.hire_day),
                "leave_date": iso(self.leave_day),
                "grade": self.grade,
                "cost_centre": self.cost_centre,
            }
        )
        return df.iloc[np.argsort(self.ids)].reset_index(drop=True)

    def truth(self, seed: int) -> dict:
        ids, dn, b = self.ids, self.dept_names, self.bottleneck

        def person(i: int, **extra: object) -> dict:
            return {"employee_id": str(ids[i]), "department": dn[self.dept[i]], **extra}

        return {
            "seed": int(seed),
            "n_people": self.n,
            "weeks": self.weeks,
            "period_start": pd.Timestamp(self.start, tz="UTC").isoformat(),
            "period_end": pd.Timestamp(self.end, tz="UTC").isoformat(),
            "departments": dn[: self.D],
            "locations": [name for name, _ in self.locations],
            "ceo": str(ids[0]),
            "bot_accounts": [BOT_EMAIL],
            "hidden_influencers": [person(i, level=int(self.level[i])) for i in self.influencers],
            "brokers": [
                person(i, bridges=[dn[a], dn[c]])
                for i, (a, c) in zip(self.brokers, self.pairs, strict=True)
            ],
            "siloed_department": dn[self.siloed],
            "bottleneck_manager": person(
                b,
                team=str(self.unit_names[self.unit_of[b]]),
                team_members=sorted(ids[self.closed].tolist()),
            ),
            "descriptions": {
                "hidden_influencers": "Individual contributors at their department's bottom "
                "level (or one above) with very high informal reach: many ties across several "
                "departments, many replies received, active in every community of practice.",
                "brokers": "The only bridge between two departments ('bridges') that otherwise "
                "do not interact directly: every direct tie between them involves this person.",
                "siloed_department": "A department whose members talk almost only among "
                "themselves: no cross-department acquaintances, no communities of practice; "
                "only its head deals with the CEO.",
                "bottleneck_manager": "A manager whose team members interact only with each "
                "other and the manager, while the manager interacts widely: every outside tie "
                "of the team goes through the manager (broadcasts to >25 people aside).",
            },
        }


# --------------------------------------------------------------------------- events


class _Block(NamedTuple):
    """A batch of events; thread and parent are indices inside the batch (-1 for none)."""

    actor: np.ndarray  # account: employees 0..n-1, then the bot, then externals
    t: np.ndarray  # ns since the epoch, UTC
    kind: np.ndarray
    channel: np.ndarray
    ckind: np.ndarray
    thread: np.ndarray
    parent: np.ndarray
    is_q: np.ndarray
    tlen: np.ndarray  # number of targets of each event
    tflat: np.ndarray  # the targets, event after event


class _Events:
    """Turns an :class:`_Org` into an event log."""

    def __init__(self, org: _Org, rng: np.random.Generator) -> None:
        self.o, self.rng, n, D = org, rng, org.n, org.D
        first, last = _FIRST_NAMES.lower().split(), _LAST_NAMES.lower().split()
        ext = [
            f"{rng.choice(first)}.{rng.choice(last)}@{_EXTERNAL_DOMAINS[k % 8]}"
            for k in range(int(np.clip(3 + n // 2000, 4, 40)))
        ]
        self.ext = list(dict.fromkeys(ext))  # drop the rare duplicate
        self.emails = [*org.email, BOT_EMAIL, *self.ext]
        self.bot, pad = n, 1 + len(self.ext)

        def extend(values: np.ndarray, fill: object) -> np.ndarray:  # to all accounts
            return np.concatenate([values, np.full(pad, fill, dtype=values.dtype)])

        self.lo, self.hi = extend(org.lo, org.start), extend(org.hi, org.end)
        offset = np.array([hours for _, hours in org.locations])[org.loc] * _HOUR
        self.offset = extend(offset, 0)
        self.dept = extend(org.dept, D + 1)  # outsiders get a department of their own
        self.sil = extend(org.dept == org.siloed, False)
        self.closed, self.bunit = extend(org.closed, False), extend(org.bunit, False)
        self.leader = extend(org.leader, False)
        self.pair_of = np.full((D + 2, D + 2), -1)
        for p, (a, b) in enumerate(org.pairs):
            self.pair_of[a, b] = self.pair_of[b, a] = p
        self.pair_broker = np.array(org.brokers)
        # activity (scaled by the time employed) and how direct messages are aimed
        self.w = rng.lognormal(-0.125, 0.5, n) * (org.hi - org.lo) / (org.end - org.start)
        for who, factor in ((org.influencers, 3.0), (org.brokers, 2.5), ([org.bottleneck], 2.0)):
            self.w[who] = np.maximum(self.w[who], 1.0) * factor  # planted people are busy
        social = np.zeros(n, bool)
        social[[*org.influencers, *org.brokers, org.bottleneck]] = True
        self.p_team = np.where(social, 0.25, np.where(org.leader, 0.5, 0.6))
        self.p_mgr = np.where(social | org.leader, 0.05, 0.1)  # the rest: acquaintances
        self.open = ~org.closed
        self._contacts()
        self._communities()
        staff = np.flatnonzero(self.open & (org.dept < D))
        self.dept_ptr, self.dept_members = _csr(org.dept[staff], staff, D)
        # channel table: units, department channels, CoPs, fixed channels, department lists
        self.ch_dept = len(org.mgr_ids)
        self.ch_cop = self.ch_dept + D
        fixed = ["announcements", "eng-deploys", "dm", "group-dm", "email", "meeting", "all-staff"]
        self.ch = {name: self.ch_cop + len(self.cop_names) + i for i, name in enumerate(fixed)}
        self.ch_list = self.ch_cop + len(self.cop_names) + len(fixed)
        general = [f"{s.prefix}-general" for s in org.specs]
        lists = [f"{s.prefix}-all" for s in org.specs]
        self.channels = [*org.unit_channels, *general, *self.cop_names, *fixed, *lists]
        self.blocks: list[_Block] = []

    # ---- sampling primitives

    def _forbidden(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """True where an interaction between accounts u and v would break planted structure."""
        bad = (self.closed[u] | self.closed[v]) & ~(self.bunit[u] & self.bunit[v])
        with_ceo = self.leader[u] & self.leader[v] & ((u == 0) | (v == 0))
        bad |= (self.sil[u] != self.sil[v]) & ~with_ceo
        pair = self.pair_of[self.dept[u], self.dept[v]]
        broker = self.pair_broker[np.maximum(pair, 0)]
        return bad | ((pair >= 0) & (u != broker) & (v != broker))

    def _active(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (self.lo[who] <= t) & (t < self.hi[who])

    def _pick(self, ptr, members, group, exclude=None) -> np.ndarray:
        """A random member of each group, other than ``exclude``; -1 where there is none."""
        size = ptr[group + 1] - ptr[group]
        out = np.full(len(group), -1, dtype=np.int64)
        idx = np.flatnonzero(size > 0)
        for _ in range(5):
            r = members[ptr[group[idx]] + (self.rng.random(len(idx)) * size[idx]).astype(np.int64)]
            out[idx] = r
            if exclude is None:
                return out
            idx = idx[r == exclude[idx]]  # drew themselves: draw again
        out[idx] = -1
        return out

    def _unit_for(self, who: np.ndarray) -> np.ndarray:
        """The unit a person talks in: their own, or (managers, sometimes) their manager's."""
        up = self.o.is_mgr[who] & (self.rng.random(len(who)) < 0.35)
        return np.where(up, self.o.secondary[who], self.o.primary[who])

    def _targets(self, actor: np.ndarray) -> np.ndarray:
        """One partner per actor: a unit member, the manager or an acquaintance."""
        o, u = self.o, self.rng.random(len(actor))
        p_team, p_mgr = self.p_team[actor], self.p_mgr[actor]
        out = np.full(len(actor), -1, dtype=np.int64)
        mgr = (u >= p_team) & (u < p_team + p_mgr)
        out[mgr] = o.manager[actor[mgr]]
        con = u >= p_team + p_mgr
        out[con] = self._pick(self.c_ptr, self.c_idx, actor[con], actor[con])
        rest = np.flatnonzero(out < 0)  # the team, and the fallback for the others
        out[rest] = self._pick(o.unit_ptr, o.unit_members, self._unit_for(actor[rest]), actor[rest])
        return out

    def _times(self, who: np.ndarray) -> np.ndarray:
        """Times in each account's active window: mostly weekdays and local office hours."""
        rng, lo, hi, m = self.rng, self.lo[who], self.hi[who], len(who)
        day = lo // _DAY + (rng.random(m) * ((hi - lo) // _DAY)).astype(np.int64)
        weekday, move = (day + 3) % 7, rng.random(m) < 0.9  # 0 = Monday
        day = day - (move & (weekday == 5)) + (move & (weekday == 6))
        office = np.clip(rng.normal(13, 2.4, m), 7.5, 19.5)
        hour = np.where(rng.random(m) < 0.9, office, rng.uniform(0, 24, m))
        t = day * _DAY + (hour * 3600).astype(np.int64) * _SECOND - self.offset[who]
        return lo + (t - lo) % (hi - lo)

    def _counts(self, rate: float, who: np.ndarray | None = None) -> np.ndarray:
        """Actors of Poisson-many events per person (or per ``who``) over the period."""
        who = np.arange(self.o.n) if who is None else who
        return np.repeat(who, self.rng.poisson(rate * self.o.weeks * self.w[who]))

    # ---- the acquaintance graph and communities of practice

    def _contacts(self) -> None:
        o, rng, n, D = self.o, self.rng, self.o.n, self.o.D
        ok = self.open & (np.arange(n) > 0)
        mixing = ok & ~self.sil[:n]
        div_ptr, div_m = _csr(o.division[ok], np.flatnonzero(ok), n)
        dep_ptr, dep_m = _csr(o.dept[ok], np.flatnonzero(ok), D + 1)
        mix_ptr, mix_m = _csr(o.dept[mixing], np.flatnonzero(mixing), D + 1)
        src = np.repeat(np.arange(n), rng.poisson(3.0, n) * ok)  # inside the department
        near = rng.random(len(src)) < 0.55
        dst = np.where(
            near,
            self._pick(div_ptr, div_m, o.division[src]),
            self._pick(dep_ptr, dep_m, o.dept[src]),
        )
        k_x = rng.poisson(0.8, n) * (mixing & ~o.leader)  # across departments
        k_x[[0, o.bottleneck]] = 6, 10
        src2 = np.repeat(np.arange(n), k_x)
        W = rng.uniform(0.2, 1.0, (D + 1, D + 1))
        W = W + W.T
        names = [s.name for s in o.specs]
        for a, b in _AFFINITY:
            if a in names and b in names:
                W[names.index(a), names.index(b)] = W[names.index(b), names.index(a)] = 6.0
        np.fill_diagonal(W, 0)
        W[o.siloed], W[:, o.siloed] = 0, 0
        for a, b in o.pairs:
            W[a, b] = W[b, a] = 0
        cum = W.cumsum(1) / np.maximum(W.sum(1, keepdims=True), 1e-12)
        other = np.minimum((rng.random((len(src2), 1)) > cum[o.dept[src2]]).sum(1), D)
        srcs, dsts = [src, src2], [dst, self._pick(mix_ptr, mix_m, other)]
        k_b = int(np.clip(n // 25, 8, 40))  # brokers reach into the other department
        for b, (_, other) in zip(o.brokers, o.pairs, strict=True):
            srcs.append(np.full(k_b, b))
            dsts.append(self._pick(mix_ptr, mix_m, np.full(k_b, other)))
        everyone = np.flatnonzero(mixing)  # influencers know people everywhere
        k_i = int(np.clip(0.12 * n, min(40, n // 3), 300))
        for i in o.influencers:
            srcs.append(np.full(k_i, i))
            dsts.append(rng.choice(everyone, k_i, replace=False))
        u, v = np.concatenate(srcs), np.concatenate(dsts)
        keep = (u >= 0) & (v >= 0) & (u != v)
        keep[keep] = ~self._forbidden(u[keep], v[keep])
        u, v = u[keep], v[keep]
        key = np.unique(np.concatenate([u * n + v, v * n + u]))  # symmetric, no repeats
        self.c_ptr, self.c_idx = _csr(key // n, key % n, n)

    def _communities(self) -> None:
        o, rng, n = self.o, self.rng, self.o.n
        n_cop = 3 + (n >= 300) + (n >= 2000) + (n >= 20_000)
        self.cop_names, groups, members = _COPS[:n_cop], [], []
        for c in range(n_cop):  # 3-4 departments each, never both sides of a brokered pair
            chosen: list[int] = []
            for d in rng.permutation([d for d in range(o.D) if d != o.siloed]):
                if len(chosen) < 3 + c % 2 and (self.pair_of[d, chosen] < 0).all():
                    chosen.append(int(d))
            eligible = np.isin(o.dept, chosen) & self.open & ~o.leader
            join = eligible & (rng.random(n) < 0.12)
            for d in chosen:  # at least two members from every department involved
                join[rng.permutation(np.flatnonzero(eligible & (o.dept == d)))[:2]] = True
            join[o.influencers] = True
            groups.append(np.full(join.sum(), c))
            members.append(np.flatnonzero(join))
        self.cop_of, self.cop_members = np.concatenate(groups), np.concatenate(members)
        self.cop_ptr, self.cop_m = _csr(self.cop_of, self.cop_members, n_cop)

    # ---- event families

    def _add(self, actor, t, kind, channel, ckind, tlen, tflat, **extra) -> None:
        """Store a batch of events; ``extra`` may give ``thread``, ``parent`` and ``is_q``."""
        m = len(actor)
        none = np.full(m, -1, dtype=np.int32)
        block = _Block(
            actor=actor.astype(np.int32),
            t=t,
            kind=np.full(m, kind, dtype=np.int8),
            channel=np.broadcast_to(channel, m).astype(np.int32),
            ckind=np.broadcast_to(ckind, m).astype(np.int8),
            thread=extra.get("thread", none).astype(np.int32),
            parent=extra.get("parent", none).astype(np.int32),
            is_q=extra.get("is_q", np.zeros(m, bool)),
            tlen=tlen.astype(np.int32),
            tflat=tflat.astype(np.int32),
        )
        self.blocks.append(block)

    def _clean(self, actor, t, slots, tgt, check=True) -> tuple[np.ndarray, np.ndarray]:
        """Drop targets who are the actor, absent, forbidden or repeated: (tlen, tflat)."""
        ev = np.repeat(np.arange(len(actor)), slots)
        keep = (tgt >= 0) & (tgt != actor[ev])
        keep[keep] = self._active(tgt[keep], t[ev[keep]])
        if check:
            keep[keep] = ~self._forbidden(actor[ev[keep]], tgt[keep])
        ev, tgt = ev[keep], tgt[keep]
        dup = np.zeros(len(ev), bool)
        for j in range(1, int(slots.max(initial=1))):  # an event's targets are contiguous
            dup[j:] |= (ev[j:] == ev[:-j]) & (tgt[j:] == tgt[:-j])
        return np.bincount(ev[~dup], minlength=len(actor)), tgt[~dup]

    def _direct(self, kind: str, sizes: list[float], k_min: int = 1) -> None:
        """Messages aimed at people: dm, email, meeting or mention."""
        actor = self._counts(_RATES[kind])
        slots = k_min + self.rng.choice(len(sizes), len(actor), p=sizes)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, slots, self._targets(np.repeat(actor, slots)))
        ok = tlen >= k_min
        actor, t, tlen, tflat = actor[ok], t[ok], tlen[ok], tflat[np.repeat(ok, tlen)]
        thread, group = np.full(len(actor), -1), tlen > 1
        if kind == "mention":  # a top-level message in the team or the department channel
            in_dept = (self.rng.random(len(actor)) < 0.3) & self.open[actor] & (actor > 0)
            channel = np.where(in_dept, self.ch_dept + self.o.dept[actor], self._unit_for(actor))
            ckind, thread = np.where(in_dept, _CK["public"], _CK["private"]), np.arange(len(actor))
        elif kind == "meeting":
            channel, ckind = self.ch["meeting"], _CK["meeting"]
        else:
            channel = (
                self.ch["email"]
                if kind == "email"
                else np.where(group, self.ch["group-dm"], self.ch["dm"])
            )
            ckind = np.where(group, _CK["group_dm"], _CK["dm"])
        self._add(actor, t, _K[kind], channel, ckind, tlen, tflat, thread=thread)

    def _threads(
        self,
        actor,
        channel,
        ckind,
        ptr,
        members,
        group,
        *,
        q=0.35,
        replies=(2.5, 0.6),
        reacts=(1.2, 0.6),
        boost=None,
        favoured=None,
    ) -> None:
        """Channel posts, replies (to the poster) and reactions (to the reacted message's author).

        ``group`` indexes (``ptr``, ``members``), the people who may answer each post;
        ``boost`` multiplies the replies a person's posts get; ``favoured`` people give
        a large share of the answers to questions (30% in small communities).
        """
        rng, m = self.rng, len(actor)
        t = self._times(actor)
        is_q = rng.random(m) < q
        boost = np.ones(m) if boost is None else boost[actor]
        root = np.repeat(np.arange(m), rng.poisson(np.where(is_q, replies[0], replies[1]) * boost))
        who = self._pick(ptr, members, group[root], actor[root])
        if favoured is not None:  # a fixed few can answer only so much of a big community
            size = (ptr[group + 1] - ptr[group])[root]
            swap = is_q[root] & (rng.random(len(root)) < np.clip(30 / size, 0.05, 0.3))
            who[swap] = rng.choice(favoured, swap.sum())
        rt = t[root] + _MINUTE + rng.exponential(90 * _MINUTE, len(root)).astype(np.int64)
        ok = (who >= 0) & (who != actor[root]) & (rt < self.o.end)
        ok[ok] = self._active(who[ok], rt[ok]) & self._active(actor[root[ok]], rt[ok])
        ok[ok] = ~self._forbidden(who[ok], actor[root[ok]])
        root, who, rt = root[ok], who[ok], rt[ok]
        # reactions to message j: a post (j < m) or a reply (j = m + its index)
        author, mt, mroot = (
            np.concatenate([actor, who]),
            np.concatenate([t, rt]),
            np.concatenate([np.arange(m), root]),
        )
        n_react = np.concatenate(
            [rng.poisson(reacts[0] * np.sqrt(boost)), rng.poisson(reacts[1], len(root))]
        )
        msg = np.repeat(np.arange(len(author)), n_react)
        r_who = self._pick(ptr, members, group[mroot[msg]], author[msg])
        r_t = mt[msg] + 20 * _SECOND + rng.exponential(60 * _MINUTE, len(msg)).astype(np.int64)
        ok = (r_who >= 0) & (r_t < self.o.end)
        ok[ok] = self._active(r_who[ok], r_t[ok]) & self._active(author[msg[ok]], r_t[ok])
        ok[ok] = ~self._forbidden(r_who[ok], author[msg[ok]])
        msg, r_who, r_t = msg[ok], r_who[ok], r_t[ok]
        n_r, n_x = len(root), len(msg)
        self._add(
            np.concatenate([actor, who, r_who]),
            np.concatenate([t, rt, r_t]),
            np.repeat([_K["post"], _K["reply"], _K["reaction"]], [m, n_r, n_x]),
            np.concatenate([channel, channel[root], channel[mroot[msg]]]),
            ckind,
            np.repeat([0, 1], [m, n_r + n_x]),
            np.concatenate([actor[root], author[msg]]),
            thread=np.concatenate([np.arange(m), root, mroot[msg]]),
            parent=np.concatenate([np.full(m, -1), root, msg]),
            is_q=np.concatenate([is_q, np.zeros(n_r + n_x, bool)]),
        )

    def _channels(self) -> None:
        o, n, rng = self.o, self.o.n, self.rng
        actor = self._counts(_RATES["team_post"])  # team channels
        unit = self._unit_for(actor)
        self._threads(actor, unit, _CK["private"], o.unit_ptr, o.unit_members, unit)
        actor = self._counts(_RATES["dept_post"], self.dept_members)  # department channels
        dept = o.dept[actor]
        self._threads(
            actor, self.ch_dept + dept, _CK["public"], self.dept_ptr, self.dept_members, dept
        )
        # communities of practice: influencers answer many questions and get many answers
        counts = rng.poisson(_RATES["cop_post"] * o.weeks * self.w[self.cop_members])
        actor, cop = np.repeat(self.cop_members, counts), np.repeat(self.cop_of, counts)
        boost = np.ones(n)
        boost[o.influencers] = 3.0
        self._threads(
            actor,
            self.ch_cop + cop,
            _CK["community"],
            self.cop_ptr,
            self.cop_m,
            cop,
            q=0.5,
            boost=boost,
            favoured=np.array(o.influencers),
        )
        # announcements: leaders post; anyone outside the silo may comment or react
        leaders = np.flatnonzero(o.leader)
        actor = np.repeat(
            leaders, rng.poisson(np.where(leaders == 0, 2, 1) * _RATES["announce"] * o.weeks)
        )
        crowd = np.flatnonzero(self.open & ~self.sil[:n])
        self._threads(
            actor,
            np.full(len(actor), self.ch["announcements"]),
            _CK["public"],
            np.array([0, len(crowd)]),
            crowd,
            np.zeros(len(actor), np.int64),
            q=0.0,
            replies=(0.0, 2 + 0.002 * n),
            reacts=(3 + 0.03 * n, 0.2),
        )

    def _broadcasts(self) -> None:
        """Weekly all-staff emails from the CEO; fortnightly ones from heads of big departments."""
        o, rng = self.o, self.rng
        senders, lists, audiences = [0] * o.weeks, [self.ch["all-staff"]] * o.weeks, []
        audiences += [np.arange(1, o.n)] * o.weeks
        for d in range(o.D):
            staff = np.flatnonzero(o.dept == d)
            head = staff[o.level[staff] == 2][0]
            if len(staff) >= 40:  # smaller departments use their channel instead
                k = rng.poisson(o.weeks / 2)
                senders += [head] * k
                lists += [self.ch_list + d] * k
                audiences += [staff[staff != head]] * k
        actor = np.array(senders)
        t = self._times(actor)
        ev = np.repeat(np.arange(len(actor)), [len(a) for a in audiences])
        tgt = np.concatenate(audiences)
        keep = self._active(tgt, t[ev])
        tlen = np.bincount(ev[keep], minlength=len(actor))
        big = tlen >= BROADCAST_MIN_TARGETS
        tflat = tgt[keep][np.repeat(big, tlen)]
        self._add(
            actor[big], t[big], _K["email"], np.array(lists)[big], _CK["list"], tlen[big], tflat
        )

    def _bot_and_externals(self) -> None:
        o, rng = self.o, self.rng
        eng = np.flatnonzero((o.dept == 0) & self.open & ~o.leader)
        n_posts = rng.poisson(o.weeks * (20 + 0.1 * len(eng)))  # deploy notices
        self._threads(
            np.full(n_posts, self.bot),
            np.full(n_posts, self.ch["eng-deploys"]),
            _CK["public"],
            np.array([0, len(eng)]),
            eng,
            np.zeros(n_posts, np.int64),
            q=0.0,
            replies=(0.0, 0.3),
            reacts=(0.5, 0.1),
        )
        who = rng.choice(eng, rng.poisson(o.weeks * (10 + 0.2 * len(eng))))  # and mentions
        actor = np.full(len(who), self.bot)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(len(who), np.int64), who)
        ok = tlen > 0
        self._add(
            actor[ok],
            t[ok],
            _K["mention"],
            o.primary[who[ok]],
            _CK["private"],
            tlen[ok],
            tflat,
            thread=np.arange(ok.sum()),
        )
        # external correspondents, each with 1-3 contacts in customer-facing departments
        facing = {"Sales", "Legal", "Finance", "Support", "Marketing", "Product"}
        facing_ids = [d for d, s in enumerate(o.specs) if s.name in facing and d != o.siloed]
        pool = np.flatnonzero(np.isin(o.dept, facing_ids) & self.open & ~o.leader)
        n_own = rng.integers(1, 4, len(self.ext))
        owner = rng.choice(pool, n_own.sum())
        ext = np.repeat(self.bot + 1 + np.arange(len(self.ext)), n_own)
        sent, received = (
            rng.poisson(1.0 * o.weeks, len(owner)),
            rng.poisson(0.8 * o.weeks, len(owner)),
        )
        actor = np.concatenate([np.repeat(owner, sent), np.repeat(ext, received)])
        tgt = np.concatenate([np.repeat(ext, sent), np.repeat(owner, received)])
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(len(actor), np.int64), tgt)
        ok = tlen > 0
        self._add(actor[ok], t[ok], _K["email"], self.ch["email"], _CK["dm"], tlen[ok], tflat)

    def build(self) -> pd.DataFrame:
        self._direct("dm", [0.9, 0.07, 0.03])
        self._direct("email", [0.5, 0.22, 0.13, 0.09, 0.06])
        self._direct("meeting", [0.3, 0.22, 0.16, 0.12, 0.09, 0.06, 0.05], k_min=2)
        self._direct("mention", [0.85, 0.15])
        self._channels()
        self._broadcasts()
        self._bot_and_externals()
        return self._assemble()

    def _assemble(self) -> pd.DataFrame:
        """Concatenate the blocks, sort by time, number the events and build the strings."""
        parts = {f: [getattr(x, f) for x in self.blocks] for f in _Block._fields}
        self.blocks = []  # from here on, each field is freed once it has been used
        sizes = [len(x) for x in parts["actor"]]
        n_ev, start, base = sum(sizes), self.o.start, np.cumsum([0, *sizes[:-1]])
        for f in ("thread", "parent"):  # block-local index -> row in the concatenation
            parts[f] = [np.where(x >= 0, x + b, -1) for x, b in zip(parts[f], base, strict=True)]

        # unique (second, row) keys sort fast, and identically whatever the sort algorithm
        key = np.concatenate([(t - start) // _SECOND for t in parts.pop("t")]) * n_ev
        key = np.sort(key + np.arange(n_ev))
        order, t = key % n_ev, start + key // n_ev * _SECOND
        del key

        def column(field: str, order: np.ndarray = order) -> np.ndarray:  # in time order
            return np.concatenate(parts.pop(field))[order]

        rank = np.empty(n_ev, dtype=np.int64)
        rank[order] = np.arange(n_ev)
        width = 4 * max(2, -(-len(str(n_ev)) // 4))
        strings = {"event_id": _id_strings(np.arange(n_ev), width)}
        for f in ("thread", "parent"):
            ref = column(f)
            strings[f] = _id_strings(np.where(ref >= 0, rank[np.maximum(ref, 0)], -1), width)
        del rank, ref
        actor, kind, channel = column("actor"), column("kind"), column("channel")
        ckind, is_q = column("ckind"), column("is_q")
        tlen = np.concatenate(parts.pop("tlen")).astype(np.int64)
        tptr, tflat = np.concatenate([[0], np.cumsum(tlen)]), np.concatenate(parts.pop("tflat"))
        emails, sep = pa.array(self.emails, pa.large_string()), pa.scalar(";", pa.large_string())
        targets, step = [], 2_000_000
        for s in range(0, n_ev, step):  # target lists are joined in chunks to bound memory
            rows = order[s : s + step]
            off = np.concatenate([[0], np.cumsum(tlen[rows])])
            flat = np.repeat(tptr[rows] - off[:-1], tlen[rows]) + np.arange(off[-1])
            lists = pa.ListArray.from_arrays(pa.array(off, pa.int32()), emails.take(tflat[flat]))
            targets.append(pc.binary_join(lists, sep))
        del tlen, tptr, tflat, order

        def categorical(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), values)

        table = pa.table(
            {
                "event_id": strings.pop("event_id"),
                "actor": categorical(actor, self.emails),
                "targets": pa.chunked_array(targets, pa.large_string()),
                "timestamp": pa.array(t).cast(pa.timestamp("ns", tz="UTC")),
                "kind": categorical(kind, list(KINDS)),
                "channel": categorical(channel, self.channels),
                "channel_kind": categorical(ckind, list(CHANNEL_KINDS)),
                "thread": strings.pop("thread"),
                "parent": strings.pop("parent"),
                "is_bot": pa.array(actor == self.bot),
                "is_question": pa.array(is_q),
            }
        )
        del targets, actor, kind, channel, ckind, is_q, t
        return table.to_pandas(self_destruct=True)
