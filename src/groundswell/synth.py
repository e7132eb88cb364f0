"""Synthetic organisation: an HR file, an event log and the structure planted in them.

The generator is the demo's built-in data and the tests' ground truth. Everything is
deterministic from a seed and vectorised with numpy, so 100,000 people with a quarter of
events is practical. The model, in brief:

* a tree-shaped org chart (CEO, department heads, directors, managers, individual
  contributors), where every manager leads a *unit* (themselves plus direct reports);
* a fixed "acquaintance" graph of weak ties: mostly inside the division and department,
  a few across departments following a department-affinity matrix;
* events drawn per person from Poisson rates: direct messages, emails and meetings aimed
  at the unit, the manager or an acquaintance; threads in team, department and
  community-of-practice channels, with replies and reactions; leaders' announcements and
  all-staff emails; a deploy bot; a few external correspondents.

The planted structures (hidden influencers, brokers, a siloed department and a bottleneck
manager) are enforced by a single rule, :meth:`_Events._forbidden`, applied to every
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

__all__ = ["BOT_EMAIL", "EVENT_COLUMNS", "HR_COLUMNS", "SynthOrg", "generate"]

HR_COLUMNS = [
    "employee_id", "name", "email", "manager_id", "department", "team", "title", "level",
    "location", "hire_date", "leave_date", "grade", "cost_centre",
]  # fmt: skip
EVENT_COLUMNS = [
    "event_id", "actor", "targets", "timestamp", "kind", "channel", "channel_kind",
    "thread", "parent", "is_bot", "is_question",
]  # fmt: skip
KINDS = ("post", "reply", "mention", "reaction", "dm", "email", "meeting")
CHANNEL_KINDS = ("public", "private", "dm", "group_dm", "community", "list", "meeting")
BOT_EMAIL = "deploy-bot@example.com"
BROADCAST_MIN_TARGETS = 26  # emails with more targets than 25 are broadcasts, not ties

_DAY = 86_400 * 10**9
_HOUR = 3_600 * 10**9
_MINUTE = 60 * 10**9
_K = {k: i for i, k in enumerate(KINDS)}
_CK = {k: i for i, k in enumerate(CHANNEL_KINDS)}


class _Dept(NamedTuple):
    name: str
    prefix: str
    weight: float
    head_title: str
    manager_title: str
    roles: tuple[str, ...]
    teams: tuple[str, ...]


_DEPARTMENTS = [
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
]  # fmt: skip
_AFFINITY = [("Engineering", "Product"), ("Engineering", "Research"), ("Sales", "Marketing"),
             ("Sales", "Support"), ("Finance", "Legal"), ("HR", "Finance"),
             ("Operations", "Finance"), ("Product", "Marketing"), ("Support", "Engineering")]  # fmt: skip
_LOCATIONS = [("New York", -5), ("London", 0), ("Berlin", 1), ("Singapore", 8),
              ("Toronto", -5), ("Sydney", 11)]  # fmt: skip
_COPS = ["cop-data", "cop-ai", "cop-security", "cop-design", "cop-customer-voice",
         "cop-automation"]  # fmt: skip
_FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah", "Charles", "Karen", "Daniel", "Nancy", "Matthew", "Lisa", "Anthony", "Betty", "Mark", "Sandra", "Paul", "Ashley", "Steven", "Emily", "Andrew", "Donna", "Joshua", "Michelle", "Kevin", "Carol", "Brian", "Amanda", "George", "Melissa", "Omar", "Priya", "Wei", "Mei", "Raj", "Aisha", "Carlos", "Sofia", "Lukas", "Anna", "Kenji", "Yuki", "Ahmed", "Fatima", "Ivan", "Olga", "Diego", "Lucia", "Noah", "Emma", "Liam", "Olivia", "Mateo", "Chloe"]
_LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter", "Patel", "Kim", "Chen", "Singh", "Muller", "Schmidt", "Rossi", "Tanaka", "Sato", "Kowalski", "Novak", "Silva", "Costa", "Murphy", "Kelly"]
_EXTERNAL_DOMAINS = ["acme-corp.com", "globex.io", "initech.net", "umbrella.co", "hooli.com",
                     "stark-industries.com", "wayne-enterprises.com", "tyrell.ai"]  # fmt: skip
# events per person per week (before the per-person activity multiplier)
_RATES = {"dm": 11.0, "email": 5.0, "meeting": 2.0, "mention": 2.5, "team_post": 3.5,
          "dept_post": 0.8, "cop_post": 1.5, "announce": 1.5}  # fmt: skip


@dataclass
class SynthOrg:
    """A synthetic organisation.

    Attributes
    ----------
    people : pandas.DataFrame
        The HR file, one row per employee, columns :data:`HR_COLUMNS`. Dates are ISO
        strings; ``manager_id`` and ``leave_date`` are empty strings when absent.
    events : pandas.DataFrame
        The generic events file, one row per act, columns :data:`EVENT_COLUMNS`, sorted by
        timestamp. ``actor``, ``kind``, ``channel`` and ``channel_kind`` are categoricals.
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
            Paths keyed ``"hris"``, ``"events"`` and ``"truth"``.
        """
        if events_format not in ("parquet", "csv"):
            raise ValueError(f"events_format must be 'parquet' or 'csv', not {events_format!r}")
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        paths = {"hris": folder / "hris.csv", "events": folder / f"events.{events_format}",
                 "truth": folder / "truth.json"}  # fmt: skip
        self.people.to_csv(paths["hris"], index=False)
        table = pa.Table.from_pandas(self.events, preserve_index=False)
        if events_format == "parquet":
            pq.write_table(table, paths["events"], compression="zstd")
        else:
            schema = pa.schema(
                pa.field(f.name, pa.timestamp("s", tz="UTC"))
                if f.name == "timestamp"
                else pa.field(f.name, pa.string() if pa.types.is_dictionary(f.type) else f.type)
                for f in table.schema
            )
            pacsv.write_csv(table.cast(schema), paths["events"])
        paths["truth"].write_text(json.dumps(self.truth, indent=2))
        return paths


def generate(
    n_people: int = 1000, *, seed: int = 0, start: str = "2024-01-01", weeks: int = 13
) -> SynthOrg:
    """Generate a synthetic organisation and its event log.

    Parameters
    ----------
    n_people : int
        Head count, from 50 to 100,000.
    seed : int
        Seed of the numpy random generator; equal seeds give identical output.
    start : str
        First day of the event period (midnight UTC).
    weeks : int
        Length of the event period in weeks, at least 1.

    Returns
    -------
    SynthOrg
        HR file, events and planted truth. Roughly 40-45 events per person per week.

    Raises
    ------
    ValueError
        If ``n_people`` is outside [50, 100000] or ``weeks`` < 1.
    """
    if not 50 <= n_people <= 100_000:
        raise ValueError(f"n_people must be between 50 and 100,000, got {n_people}")
    if weeks < 1:
        raise ValueError(f"weeks must be at least 1, got {weeks}")
    t0 = pd.Timestamp(start)
    t0 = (t0.tz_localize("UTC") if t0.tz is None else t0.tz_convert("UTC")).normalize()
    rng = np.random.default_rng(seed)
    org = _Org(int(n_people), rng, int(t0.value), int(weeks))
    truth = org.truth(seed)
    events = _Events(org, rng).build()
    return SynthOrg(people=org.people(), events=events, truth=truth)


# --------------------------------------------------------------------------- helpers


def _apportion(total: int, weights: np.ndarray, minimum: int = 0) -> np.ndarray:
    """Split ``total`` into integers proportional to ``weights`` (largest remainder)."""
    w = np.asarray(weights, dtype=float) / np.sum(weights)
    rest = total - minimum * len(w)
    raw = w * rest
    out = np.floor(raw).astype(np.int64)
    out[np.argsort(out - raw)[: rest - out.sum()]] += 1
    return out + minimum


def _csr(groups: np.ndarray, members: np.ndarray, n_groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Group ``members`` by ``groups``: returns (pointer, members sorted by group)."""
    order = np.argsort(groups, kind="stable")
    ptr = np.zeros(n_groups + 1, dtype=np.int64)
    np.cumsum(np.bincount(groups, minlength=n_groups), out=ptr[1:])
    return ptr, members[order]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# "0000".."9999" as little-endian uint32 words of four ASCII digits
_DIGITS = np.array([list(f"{k:04d}".encode()) for k in range(10_000)], np.uint8).view(np.uint32)


def _id_strings(idx: np.ndarray, width: int) -> pa.Array:
    """Event ids 'e' + zero-padded ``idx + 1`` ('' where idx < 0), built without Python loops."""
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
    """People, hierarchy, attributes, planted roles and employment dates (tree order)."""

    def __init__(self, n: int, rng: np.random.Generator, start: int, weeks: int) -> None:
        self.n, self.rng, self.start, self.weeks = n, rng, start, weeks
        self.end = start + weeks * 7 * _DAY
        self._hierarchy()
        self._attributes()
        self._plant()
        self._dates()

    def _hierarchy(self) -> None:
        n, rng = self.n, self.rng
        n_dept = int(np.clip(round(6 + 4 * np.log(n / 50) / np.log(2000)), 6, 10))
        self.specs = _DEPARTMENTS[:n_dept]
        sizes = _apportion(n - 1, np.array([s.weight for s in self.specs]), minimum=4)
        manager, level, dept = [-1], [1], [n_dept]  # the CEO sits in "Executive" (= n_dept)
        stack = []
        for d, size in enumerate(sizes):
            stack.append((len(manager), int(size) - 1, True))
            manager.append(0), level.append(2), dept.append(d)
        deepest = 4 if n < 150 else 5 if n < 2000 else 6 if n < 20000 else 7
        cap = [10**m for m in range(8)]  # subtree size that m levels below a manager can hold
        while stack:  # one iteration per manager: split the people below into sub-units
            node, below, is_head = stack.pop()
            lv, d, left = level[node] + 1, dept[node], deepest - level[node]
            if left <= 1 or (below <= 12 and not (is_head and below >= 6)):
                manager += [node] * below  # a team of individual contributors
                level += [lv] * below
                dept += [d] * below
                continue
            span = int(rng.integers(4, 10))
            k = max(2, -(-below // cap[left - 1]), min(span, round(below / 9)))  # sub-managers
            ics = max(0, min(span - k, below - 5 * k))  # plus a few direct reports
            manager += [node] * ics
            level += [lv] * ics
            dept += [d] * ics
            for size in _apportion(below - k - ics, rng.dirichlet(np.full(k, 6.0))):
                stack.append((len(manager), int(size), False))
                manager.append(node), level.append(lv), dept.append(d)
        self.D = n_dept
        self.manager, self.level = np.array(manager), np.array(level)
        self.dept = np.array(dept)
        reports = np.bincount(self.manager[1:], minlength=n)
        self.is_mgr = reports > 0
        self.n_reports = reports
        self.mgr_ids = np.flatnonzero(self.is_mgr)  # unit u is led by mgr_ids[u]
        self.unit_of = np.full(n, -1)
        self.unit_of[self.mgr_ids] = np.arange(len(self.mgr_ids))
        self.secondary = self.unit_of[np.maximum(self.manager, 0)]  # the manager's unit
        self.secondary[0] = 0
        self.primary = np.where(self.is_mgr, self.unit_of, self.secondary)
        members = np.concatenate([np.arange(1, n), self.mgr_ids])
        groups = np.concatenate([self.secondary[1:], self.unit_of[self.mgr_ids]])
        self.unit_ptr, self.unit_members = _csr(groups, members, len(self.mgr_ids))
        has_mgr_report = np.bincount(self.manager[self.is_mgr & (np.arange(n) > 0)], minlength=n)
        self.is_leaf_mgr = self.is_mgr & (has_mgr_report == 0) & (self.level >= 3)
        anc = np.arange(n)  # division = ancestor at level 3 (heads and CEO are their own)
        for _ in range(int(self.level.max())):
            anc = np.where(self.level[anc] > 3, self.manager[anc], anc)
        self.division = anc
        self.leader = self.level <= 2

    def _attributes(self) -> None:
        n, rng, specs = self.n, self.rng, self.specs
        width = max(5, len(str(n)))  # employee ids do not reveal the hierarchy
        self.ids = np.array([f"E{k:0{width}d}" for k in rng.permutation(n) + 1])
        self.first = rng.choice(_FIRST, n)
        self.last = rng.choice(_LAST, n)
        base = pd.Series(np.char.lower(np.char.add(np.char.add(self.first, "."), self.last)))
        self.email = (base + "." + (base.groupby(base).cumcount() + 1).astype(str)).to_numpy()
        self.email = np.array([e + "@example.com" for e in self.email])
        # unit names, team column and channel names
        counters, names, channels = [0] * self.D, [], []
        for m in self.mgr_ids:
            if m == 0:
                names.append("Executive Leadership"), channels.append("exec-team")
                continue
            spec = specs[self.dept[m]]
            if self.level[m] == 2:
                names.append(f"{spec.name} Leadership"), channels.append(f"{spec.prefix}-leads")
                continue
            c = counters[self.dept[m]]
            counters[self.dept[m]] += 1
            word = spec.teams[c % len(spec.teams)]
            word += f" {c // len(spec.teams) + 1}" if c >= len(spec.teams) else ""
            leaf = self.is_leaf_mgr[m]
            names.append(word if leaf else f"{word} Group")
            channels.append(f"{spec.prefix}-{_slug(word)}-{'team' if leaf else 'group'}")
        self.unit_names, self.unit_channels = np.array(names), channels
        self.team = self.unit_names[self.primary]
        # locations: 3-6 sites, each department unevenly spread, teams mostly co-located
        n_loc = 3 + (n >= 300) + (n >= 3000) + (n >= 30000)
        self.locations = _LOCATIONS[:n_loc]
        home = rng.integers(n_loc, size=self.D + 1)
        probs = 0.6 * np.eye(n_loc)[home] + 0.4 * rng.dirichlet(np.full(n_loc, 0.7), self.D + 1)
        cum = probs.cumsum(1)
        draw = (rng.random((n, 1)) > cum[self.dept]).sum(1)
        unit_loc = draw[self.mgr_ids]
        loc = np.where(rng.random(n) < 0.85, unit_loc[self.primary], draw)
        loc[self.leader] = 0
        self.loc = np.minimum(loc, n_loc - 1)
        # titles and grades
        seniority = rng.choice(4, n, p=[0.15, 0.45, 0.3, 0.1])
        role = rng.integers(0, 4, n)
        titles, grades = [], []
        for i in range(n):
            if i == 0:
                titles.append("Chief Executive Officer"), grades.append(10)
                continue
            spec = specs[self.dept[i]]
            if self.level[i] == 2:
                titles.append(spec.head_title), grades.append(9)
            elif self.is_leaf_mgr[i]:
                titles.append(spec.manager_title), grades.append(6)
            elif self.is_mgr[i]:
                unit = self.unit_names[self.unit_of[i]].removesuffix(" Group")
                director = self.level[i] == 3
                titles.append(f"{'Director' if director else 'Senior Manager'}, {unit}")
                grades.append(8 if director else 7)
            else:
                prefix = ("Associate ", "", "Senior ", "Staff ")[seniority[i]]
                titles.append(prefix + spec.roles[role[i] % len(spec.roles)])
                grades.append(3 + seniority[i])
        self.title, self.grade = titles, [f"G{g}" for g in grades]
        below = self.level >= 3  # cost centre = department + division (level-3 branch)
        div_no = np.zeros(n, dtype=np.int64)
        div_no[below] = pd.Series(self.division[below]).groupby(self.dept[below]).rank(
            method="dense").to_numpy()  # fmt: skip
        prefix = np.array(["EXEC" if d == self.D else specs[d].prefix.upper() for d in self.dept])
        self.cost_centre = [f"CC-{p}-{k:03d}" for p, k in zip(prefix, div_no, strict=True)]

    def _plant(self) -> None:
        n, rng, D = self.n, self.rng, self.D
        size = np.bincount(self.dept, minlength=D + 1)
        names = [s.name for s in self.specs]
        cands = [d for d in range(1, D) if size[d] >= max(8, 0.03 * n)]
        self.siloed = int(rng.choice(cands)) if cands else int(np.argmax(size[1:D]) + 1)
        pool = [int(d) for d in rng.permutation([d for d in range(D) if d != self.siloed])]
        self.pairs = [(pool[2 * i], pool[2 * i + 1]) for i in range(2 if n < 5000 else 3)]
        in_pairs = {d for p in self.pairs for d in p}
        free = [d for d in range(D) if d != self.siloed and d not in in_pairs]
        # bottleneck manager: a leaf manager of a decent team, outside the planted departments
        leaf, sized = self.is_leaf_mgr, (self.n_reports >= 5) & (self.n_reports <= 10)
        calm = np.isin(self.dept, free) & leaf
        masks = [calm & sized, leaf & sized & (self.dept != self.siloed), calm, leaf]
        cands = np.flatnonzero(next((m for m in masks if m.any()), self.is_mgr))
        self.bottleneck = int(rng.choice(cands))
        self.closed = (self.manager == self.bottleneck) & ~self.is_mgr
        self.bunit = self.closed.copy()
        self.bunit[self.bottleneck] = True
        taken = self.bunit | self.leader
        # brokers: one person in the first department of each pair
        self.brokers = []
        for a, _ in self.pairs:
            c = np.flatnonzero((self.dept == a) & ~taken & ~self.is_mgr)
            self.brokers.append(int(rng.choice(c)))
            taken[self.brokers[-1]] = True
        # hidden influencers: bottom-level individual contributors in unplanted departments
        n_inf = 3 if n < 2000 else 4 if n < 20000 else 5
        maxlev = pd.Series(self.level).groupby(self.dept).transform("max").to_numpy()
        low = ~self.is_mgr & ~taken & (self.level >= maxlev - 1)
        depts = free or [d for d in range(D) if d != self.siloed]
        self.influencers = []
        for k in range(n_inf):
            d = depts[k % len(depts)]
            c = np.flatnonzero(low & (self.dept == d))
            c = c if len(c) else np.flatnonzero(low & np.isin(self.dept, depts))
            self.influencers.append(int(rng.choice(c)))
            low[self.influencers[-1]] = False
        self.planted = taken.copy()
        self.planted[self.influencers] = True
        self.dept_names = [*names, "Executive"]

    def _dates(self) -> None:
        n, rng = self.n, self.rng
        tenure = np.minimum(rng.exponential(3 * 365, n), 12 * 365).astype(np.int64) + 30
        tenure[self.leader] = np.maximum(tenure[self.leader], 400)
        tenure[0] = 2900
        hire, leave = self.start // _DAY - tenure, np.full(n, -1)
        days = self.weeks * 7
        churn = rng.permutation(np.flatnonzero(~(self.is_mgr | self.planted)))
        n_new, n_gone = max(1, round(0.02 * len(churn))), max(1, round(0.03 * len(churn)))
        new, gone = churn[:n_new], churn[n_new : n_new + n_gone]  # joiners and leavers
        hire[new] = self.start // _DAY + rng.integers(1, max(2, 2 * days // 3), n_new)
        leave[gone] = self.start // _DAY + rng.integers(max(1, days // 4), days, n_gone)
        self.hire_day, self.leave_day = hire, leave
        self.lo = np.maximum(hire * _DAY, self.start)
        self.hi = np.where(leave >= 0, leave * _DAY, self.end)

    def people(self) -> pd.DataFrame:
        ids = self.ids

        def iso(days: np.ndarray) -> np.ndarray:
            out = pd.to_datetime(np.maximum(days, 0), unit="D").strftime("%Y-%m-%d").to_numpy()
            return np.where(days >= 0, out, "")

        df = pd.DataFrame({
            "employee_id": ids,
            "name": np.char.add(np.char.add(self.first, " "), self.last),
            "email": self.email,
            "manager_id": np.where(self.manager >= 0, ids[np.maximum(self.manager, 0)], ""),
            "department": np.array(self.dept_names)[self.dept],
            "team": self.team,
            "title": self.title,
            "level": self.level.astype(np.int64),
            "location": np.array([name for name, _ in self.locations])[self.loc],
            "hire_date": iso(self.hire_day),
            "leave_date": iso(self.leave_day),
            "grade": self.grade,
            "cost_centre": self.cost_centre,
        })  # fmt: skip
        return df.iloc[np.argsort(ids)].reset_index(drop=True)

    def truth(self, seed: int) -> dict:
        ids, dn = self.ids, self.dept_names
        member_ids = sorted(ids[self.closed].tolist())
        return {
            "seed": int(seed), "n_people": self.n, "weeks": self.weeks,
            "period_start": pd.Timestamp(self.start, tz="UTC").isoformat(),
            "period_end": pd.Timestamp(self.end, tz="UTC").isoformat(),
            "departments": dn[: self.D],
            "locations": [name for name, _ in self.locations],
            "ceo": str(ids[0]),
            "bot_accounts": [BOT_EMAIL],
            "hidden_influencers": [
                {"employee_id": str(ids[i]), "department": dn[self.dept[i]],
                 "level": int(self.level[i])} for i in self.influencers],
            "brokers": [
                {"employee_id": str(ids[b]), "department": dn[a], "bridges": [dn[a], dn[c]]}
                for b, (a, c) in zip(self.brokers, self.pairs, strict=True)],
            "siloed_department": dn[self.siloed],
            "bottleneck_manager": {
                "employee_id": str(ids[self.bottleneck]), "department": dn[self.dept[self.bottleneck]],
                "team": str(self.unit_names[self.unit_of[self.bottleneck]]),
                "team_members": member_ids},
            "descriptions": {
                "hidden_influencers": "Individual contributors at the bottom of the hierarchy "
                "(or one level above) with very high informal reach: many ties across several "
                "departments, many replies received, central in every community of practice.",
                "brokers": "The main or only bridge between two departments ('bridges') that "
                "otherwise do not interact directly: every direct tie between them involves this "
                "person.",
                "siloed_department": "A department whose members talk almost only among "
                "themselves: no cross-department acquaintances, no communities of practice; only "
                "its head deals with the CEO.",
                "bottleneck_manager": "A manager whose team members interact only with each "
                "other and the manager, while the manager interacts widely: every outside tie "
                "of the team goes through the manager (broadcasts of >25 recipients aside).",
            },
        }  # fmt: skip


# --------------------------------------------------------------------------- events


class _Block(NamedTuple):
    actor: np.ndarray  # account index: employees, then the bot, then externals
    t: np.ndarray  # int64 ns since epoch, UTC
    kind: np.ndarray
    channel: np.ndarray
    ckind: np.ndarray
    thread: np.ndarray  # index of the thread root inside the block, or -1
    parent: np.ndarray  # index of the parent event inside the block, or -1
    is_q: np.ndarray
    tlen: np.ndarray  # number of targets per event
    tflat: np.ndarray  # targets, event after event


class _Events:
    """Turns an :class:`_Org` into an event log."""

    def __init__(self, org: _Org, rng: np.random.Generator) -> None:
        self.o, self.rng, n = org, rng, org.n
        n_ext = int(np.clip(3 + n // 2000, 4, 40))
        ext = [f"{rng.choice(_FIRST).lower()}.{rng.choice(_LAST).lower()}@"
               f"{_EXTERNAL_DOMAINS[k % len(_EXTERNAL_DOMAINS)]}" for k in range(n_ext)]  # fmt: skip
        self.ext = list(dict.fromkeys(ext))  # drop the rare duplicate
        self.emails = [*org.email.tolist(), BOT_EMAIL, *self.ext]
        self.bot, na = n, len(self.emails)
        pad = na - n
        self.lo = np.concatenate([org.lo, np.full(pad, org.start)])
        self.hi = np.concatenate([org.hi, np.full(pad, org.end)])
        offsets = np.array([off for _, off in org.locations])[org.loc]
        self.offset = np.concatenate([offsets, np.zeros(pad, dtype=np.int64)]) * _HOUR
        self.dept = np.concatenate([org.dept, np.full(pad, org.D + 1)])
        self.sil = np.concatenate([org.dept == org.siloed, np.zeros(pad, bool)])
        self.closed = np.concatenate([org.closed, np.zeros(pad, bool)])
        self.bunit = np.concatenate([org.bunit, np.zeros(pad, bool)])
        self.leader = np.concatenate([org.leader, np.zeros(pad, bool)])
        self.pair_of = np.full((org.D + 2, org.D + 2), -1)
        for p, (a, b) in enumerate(org.pairs):
            self.pair_of[a, b] = self.pair_of[b, a] = p
        self.pair_broker = np.array(org.brokers)
        # activity multiplier and how direct messages are aimed (team / manager / contact)
        self.w = rng.lognormal(-0.125, 0.5, n)
        self.w *= (self.hi[:n] - self.lo[:n]) / (org.end - org.start)
        social = np.zeros(n, bool)
        social[[*org.influencers, *org.brokers, org.bottleneck]] = True
        for who, factor in ((org.influencers, 3.0), (org.brokers, 2.5), ([org.bottleneck], 2.0)):
            self.w[who] = np.maximum(self.w[who], 1.0) * factor  # planted people are busy
        self.p_team = np.where(social, 0.25, np.where(org.leader, 0.5, 0.6))
        self.p_mgr = np.where(social | org.leader, 0.05, 0.1)
        self.open = ~org.closed
        self._contacts()
        self._communities()
        dept_members = np.flatnonzero(self.open & (org.dept < org.D))
        self.dept_ptr, self.dept_members = _csr(org.dept[dept_members], dept_members, org.D)
        n_units, D = len(org.mgr_ids), org.D
        self.ch_dept = n_units  # channel table: units, departments, CoPs, then the fixed ones
        self.ch_cop = n_units + D
        fixed = ["announcements", "eng-deploys", "dm", "group-dm", "email", "meeting", "all-staff"]
        self.channels = [*org.unit_channels, *(f"{s.prefix}-general" for s in org.specs),
                         *self.cop_names, *fixed, *(f"{s.prefix}-all" for s in org.specs)]  # fmt: skip
        self.ch = {name: self.ch_cop + len(self.cop_names) + i for i, name in enumerate(fixed)}
        self.ch_list = self.ch_cop + len(self.cop_names) + len(fixed)
        self.blocks: list[_Block] = []

    # ---- sampling primitives

    def _forbidden(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """True where an interaction between accounts u and v would break planted structure."""
        bad = (self.closed[u] | self.closed[v]) & ~(self.bunit[u] & self.bunit[v])
        to_ceo = self.leader[u] & self.leader[v] & ((u == 0) | (v == 0))  # a head and the CEO
        bad |= (self.sil[u] != self.sil[v]) & ~to_ceo
        pid = self.pair_of[self.dept[u], self.dept[v]]
        broker = self.pair_broker[np.maximum(pid, 0)]
        return bad | ((pid >= 0) & (u != broker) & (v != broker))

    def _active(self, who: np.ndarray, t: np.ndarray) -> np.ndarray:
        return (self.lo[who] <= t) & (t < self.hi[who])

    def _pick(self, ptr: np.ndarray, members: np.ndarray, group: np.ndarray,
              exclude: np.ndarray | None = None) -> np.ndarray:  # fmt: skip
        """A random member of each group (avoiding ``exclude``); -1 where impossible."""
        size = ptr[group + 1] - ptr[group]
        out = np.full(len(group), -1, dtype=np.int64)
        idx = np.flatnonzero(size > 0)
        for _ in range(5):
            r = members[ptr[group[idx]] + (self.rng.random(len(idx)) * size[idx]).astype(np.int64)]
            out[idx] = r
            if exclude is None:
                return out
            idx = idx[r == exclude[idx]]
            if not len(idx):
                return out
        out[idx] = -1
        return out

    def _unit_for(self, who: np.ndarray, p_up: float = 0.35) -> np.ndarray:
        """The unit a person talks in: their own, or (managers, sometimes) their manager's."""
        up = self.o.is_mgr[who] & (self.rng.random(len(who)) < p_up)
        return np.where(up, self.o.secondary[who], self.o.primary[who])

    def _targets(self, actor: np.ndarray) -> np.ndarray:
        """One interaction partner per actor: unit member, manager or acquaintance."""
        o, u = self.o, self.rng.random(len(actor))
        p_team, p_mgr = self.p_team[actor], self.p_mgr[actor]
        out = np.full(len(actor), -1, dtype=np.int64)
        mgr = (u >= p_team) & (u < p_team + p_mgr)
        out[mgr] = o.manager[actor[mgr]]
        con = u >= p_team + p_mgr
        out[con] = self._pick(self.c_ptr, self.c_idx, actor[con], actor[con])
        rest = np.flatnonzero(out < 0)
        out[rest] = self._pick(o.unit_ptr, o.unit_members, self._unit_for(actor[rest]), actor[rest])
        return out

    def _times(self, who: np.ndarray) -> np.ndarray:
        """Timestamps in each account's active window: weekdays, local business hours mostly."""
        rng, lo, hi = self.rng, self.lo[who], self.hi[who]
        day = lo // _DAY + (rng.random(len(who)) * ((hi - lo) // _DAY)).astype(np.int64)
        wd = (day + 3) % 7  # 0 = Monday
        move = rng.random(len(who)) < 0.9
        day = day - (move & (wd == 5)) + (move & (wd == 6))
        hour = np.where(rng.random(len(who)) < 0.9, np.clip(rng.normal(13, 2.4, len(who)), 7.5,
                        19.5), rng.uniform(0, 24, len(who)))  # fmt: skip
        t = day * _DAY + (hour * 3600).astype(np.int64) * 10**9 - self.offset[who]
        return lo + (t - lo) % (hi - lo)

    def _counts(self, rate: float, who: np.ndarray | None = None, boost: np.ndarray | None = None
                ) -> np.ndarray:  # fmt: skip
        """Poisson event counts per person (or per ``who``) over the period."""
        who = np.arange(self.o.n) if who is None else who
        lam = rate * self.o.weeks * self.w[who] * (1.0 if boost is None else boost)
        return np.repeat(who, self.rng.poisson(lam))

    # ---- the acquaintance graph and communities of practice

    def _contacts(self) -> None:
        o, rng, n, D = self.o, self.rng, self.o.n, self.o.D
        ok = self.open & (np.arange(n) > 0)
        div_ptr, div_m = _csr(o.division[ok], np.flatnonzero(ok), n)
        dept_ok = ok & ~self.sil[:n]
        dep_ptr, dep_m = _csr(o.dept[dept_ok], np.flatnonzero(dept_ok), D + 1)
        same_ptr, same_m = _csr(o.dept[ok], np.flatnonzero(ok), D + 1)
        src = np.repeat(np.arange(n), rng.poisson(3.0, n) * ok)  # in-department ties
        near = rng.random(len(src)) < 0.55
        dst = np.where(near, self._pick(div_ptr, div_m, o.division[src]),
                       self._pick(same_ptr, same_m, o.dept[src]))  # fmt: skip
        k_x = rng.poisson(0.8, n) * (dept_ok & ~o.leader)  # cross-department ties
        k_x[0] = 6
        k_x[o.bottleneck] = 10
        src2 = np.repeat(np.arange(n), k_x)
        W = rng.uniform(0.2, 1.0, (D + 1, D + 1))
        W = (W + W.T) / 2
        names = [s.name for s in o.specs]
        for a, b in _AFFINITY:
            if a in names and b in names:
                W[names.index(a), names.index(b)] = W[names.index(b), names.index(a)] = 3.0
        np.fill_diagonal(W, 0)
        W[o.siloed], W[:, o.siloed] = 0, 0
        for a, b in o.pairs:
            W[a, b] = W[b, a] = 0
        cum = W.cumsum(1) / np.maximum(W.sum(1, keepdims=True), 1e-12)
        tdept = np.minimum((rng.random((len(src2), 1)) > cum[o.dept[src2]]).sum(1), D)
        dst2 = self._pick(dep_ptr, dep_m, tdept)
        # planted reach: brokers into the other department, influencers everywhere
        srcs, dsts = [src, src2], [dst, dst2]
        k_b = int(np.clip(n // 25, 8, 40))
        for b, (_, other) in zip(o.brokers, o.pairs, strict=True):
            srcs.append(np.full(k_b, b))
            dsts.append(self._pick(dep_ptr, dep_m, np.full(k_b, other)))
        everyone = np.flatnonzero(dept_ok)
        k_i = int(np.clip(0.12 * n, min(40, n // 3), 300))
        for i in o.influencers:
            srcs.append(np.full(k_i, i))
            dsts.append(rng.choice(everyone, k_i, replace=False))
        u, v = np.concatenate(srcs), np.concatenate(dsts)
        keep = (u >= 0) & (v >= 0) & (u != v)
        u, v = u[keep], v[keep]
        keep = ~self._forbidden(u, v)
        key = np.unique(np.concatenate([u[keep] * n + v[keep], v[keep] * n + u[keep]]))
        self.c_ptr, self.c_idx = _csr(key // n, key % n, n)

    def _communities(self) -> None:
        o, rng, n = self.o, self.rng, self.o.n
        n_cop = 3 + (n >= 300) + (n >= 2000) + (n >= 20000)
        pool = [d for d in range(o.D) if d != o.siloed]
        self.cop_names, groups, members = _COPS[:n_cop], [], []
        for c in range(n_cop):
            chosen: list[int] = []
            for d in rng.permutation(pool):
                if len(chosen) < 3 + c % 2 and all(
                    self.pair_of[d, x] < 0 for x in chosen
                ):  # never both sides of a brokered pair
                    chosen.append(int(d))
            eligible = np.isin(o.dept, chosen) & self.open & ~o.leader
            join = eligible & (rng.random(n) < 0.12)
            for d in chosen:  # at least two members from every department involved
                join[rng.permutation(np.flatnonzero(eligible & (o.dept == d)))[:2]] = True
            join[o.influencers] = True
            people = np.flatnonzero(join)
            groups.append(np.full(len(people), c)), members.append(people)
        self.cop_ptr, self.cop_m = _csr(np.concatenate(groups), np.concatenate(members), n_cop)
        self.cop_of = np.concatenate(groups)
        self.cop_members = np.concatenate(members)

    # ---- event families

    def _add(self, actor, t, kind, channel, ckind, tlen, tflat, *, thread=None, parent=None,
             is_q=None) -> None:  # fmt: skip
        m = len(actor)
        full = np.full(m, -1, dtype=np.int32)
        self.blocks.append(_Block(
            actor.astype(np.int32), t, np.broadcast_to(np.int8(kind), m).astype(np.int8),
            np.broadcast_to(channel, m).astype(np.int32),
            np.broadcast_to(ckind, m).astype(np.int8),
            full if thread is None else thread.astype(np.int32),
            full if parent is None else parent.astype(np.int32),
            np.zeros(m, bool) if is_q is None else is_q, tlen.astype(np.int32),
            tflat.astype(np.int32)))  # fmt: skip

    def _clean(self, actor, t, slots, tgt, check=True):
        """Drop invalid targets (self, left, forbidden, repeated); returns (tlen, tflat)."""
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

    def _direct(self, kind: str, rate: float, sizes: list[float], k_min: int = 1) -> None:
        """Messages aimed at people: dm, email, meeting, mention."""
        actor = self._counts(rate)
        slots = k_min + self.rng.choice(len(sizes), len(actor), p=sizes)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, slots, self._targets(np.repeat(actor, slots)))
        ok = tlen >= (2 if kind == "meeting" else 1)
        tflat = tflat[np.repeat(ok, tlen)]
        actor, t, tlen = actor[ok], t[ok], tlen[ok]
        thread = None
        if kind == "mention":  # a top-level message in the team or department channel
            in_dept = (self.rng.random(len(actor)) < 0.3) & self.open[actor] & (actor > 0)
            channel = np.where(in_dept, self.ch_dept + self.o.dept[actor],
                               self._unit_for(actor))  # fmt: skip
            ckind = np.where(in_dept, _CK["public"], _CK["private"])
            thread = np.arange(len(actor))
        elif kind == "meeting":
            channel, ckind = self.ch["meeting"], _CK["meeting"]
        else:
            group = tlen > 1
            name = "email" if kind == "email" else "dm"
            channel = np.where(group & (kind == "dm"), self.ch["group-dm"], self.ch[name])
            ckind = np.where(group, _CK["group_dm"], _CK["dm"])
        self._add(actor, t, _K[kind], channel, ckind, tlen, tflat, thread=thread)

    def _threads(self, actor, channel, ckind, ptr, members, group, *, q=0.35, replies=(2.5, 0.6),
                 reacts=(1.2, 0.6), boost=None, favoured=None) -> None:  # fmt: skip
        """Channel posts with their replies (to the poster) and reactions (to the author)."""
        rng, m = self.rng, len(actor)
        t = self._times(actor)
        is_q = rng.random(m) < q
        lam = np.where(is_q, replies[0], replies[1]) * (1.0 if boost is None else boost[actor])
        root = np.repeat(np.arange(m), rng.poisson(lam))
        who = self._pick(ptr, members, group[root], actor[root])
        if favoured is not None:  # favoured people answer a large share of questions
            swap = is_q[root] & (rng.random(len(root)) < 0.3)
            who[swap] = rng.choice(favoured, swap.sum())
        rt = t[root] + _MINUTE + rng.exponential(90 * _MINUTE, len(root)).astype(np.int64)
        ok = (who >= 0) & (who != actor[root]) & (rt < self.o.end)
        ok[ok] = self._active(who[ok], rt[ok]) & self._active(actor[root[ok]], rt[ok])
        ok[ok] = ~self._forbidden(who[ok], actor[root[ok]])
        root, who, rt = root[ok], who[ok], rt[ok]
        # reactions, to the root (index < m) or to a reply (index m + j)
        n_rr = rng.poisson(reacts[0] * (np.ones(m) if boost is None else np.sqrt(boost[actor])))
        n_rp = rng.poisson(reacts[1], len(root))
        msg = np.concatenate([np.repeat(np.arange(m), n_rr), m + np.repeat(np.arange(len(root)),
                              n_rp)])  # fmt: skip
        author, mt = np.concatenate([actor, who]), np.concatenate([t, rt])
        mroot = np.concatenate([np.arange(m), root])
        r_who = self._pick(ptr, members, group[mroot[msg]], author[msg])
        r_t = mt[msg] + 20 * 10**9 + rng.exponential(60 * _MINUTE, len(msg)).astype(np.int64)
        ok = (r_who >= 0) & (r_t < self.o.end)
        ok[ok] = self._active(r_who[ok], r_t[ok]) & self._active(author[msg[ok]], r_t[ok])
        ok[ok] = ~self._forbidden(r_who[ok], author[msg[ok]])
        msg, r_who, r_t = msg[ok], r_who[ok], r_t[ok]
        n_r, n_x = len(root), len(msg)
        self._add(
            np.concatenate([actor, who, r_who]), np.concatenate([t, rt, r_t]),
            np.repeat([_K["post"], _K["reply"], _K["reaction"]], [m, n_r, n_x]),
            np.concatenate([channel, channel[root], channel[mroot[msg]]]),
            ckind if np.isscalar(ckind) else np.concatenate([ckind, ckind[root], ckind[mroot[msg]]]),
            np.concatenate([np.zeros(m), np.ones(n_r + n_x)]), np.concatenate([actor[root], author[msg]]),
            thread=np.concatenate([np.arange(m), root, mroot[msg]]),
            parent=np.concatenate([np.full(m, -1), root, msg]),
            is_q=np.concatenate([is_q, np.zeros(n_r + n_x, bool)]),
        )  # fmt: skip

    def _channels(self) -> None:
        o, n, rng = self.o, self.o.n, self.rng
        # team channels: people post in their unit (managers sometimes in their manager's)
        actor = self._counts(_RATES["team_post"])
        unit = self._unit_for(actor)
        self._threads(actor, unit, _CK["private"], o.unit_ptr, o.unit_members, unit)
        # department channels
        actor = self._counts(_RATES["dept_post"], np.flatnonzero(self.open & (o.dept < o.D)))
        self._threads(actor, self.ch_dept + o.dept[actor], _CK["public"], self.dept_ptr,
                      self.dept_members, o.dept[actor])  # fmt: skip
        # communities of practice: influencers post, answer and get answered far more
        counts = rng.poisson(_RATES["cop_post"] * o.weeks * self.w[self.cop_members])
        actor = np.repeat(self.cop_members, counts)
        cop = np.repeat(self.cop_of, counts)
        reply_boost = np.ones(n)
        reply_boost[o.influencers] = 3.0
        self._threads(actor, self.ch_cop + cop, _CK["community"], self.cop_ptr, self.cop_m, cop,
                      q=0.5, boost=reply_boost, favoured=np.array(o.influencers))  # fmt: skip
        # announcements: leaders broadcast; anyone may comment or react
        leaders = np.flatnonzero(o.leader)
        rate = np.where(leaders == 0, 2.0, 1.0) * _RATES["announce"] * o.weeks
        actor = np.repeat(leaders, rng.poisson(rate))
        crowd = np.flatnonzero(self.open & ~self.sil[:n])
        ptr = np.array([0, len(crowd)])
        self._threads(actor, np.full(len(actor), self.ch["announcements"]), _CK["public"], ptr,
                      crowd, np.zeros(len(actor), np.int64), q=0.0,
                      replies=(0.0, 2 + 0.002 * n), reacts=(3 + 0.03 * n, 0.2))  # fmt: skip

    def _broadcasts(self) -> None:
        """All-staff emails from the CEO; department-wide emails from heads (> 25 people)."""
        o, rng = self.o, self.rng
        senders, lists, audiences = [], [], []
        for _ in range(o.weeks):
            senders.append(0), lists.append(self.ch["all-staff"])
            audiences.append(np.arange(1, o.n))
        for d in range(o.D):
            staff = np.flatnonzero(o.dept == d)
            if len(staff) >= 40:  # smaller departments use their channel instead
                for _ in range(rng.poisson(o.weeks / 2)):
                    head = staff[o.level[staff] == 2][0]
                    senders.append(head), lists.append(self.ch_list + d)
                    audiences.append(staff[staff != head])
        actor = np.array(senders)
        t = self._times(actor)
        slots = np.array([len(a) for a in audiences])
        tgt = np.concatenate(audiences)
        ev = np.repeat(np.arange(len(actor)), slots)
        keep = self._active(tgt, t[ev])
        tlen = np.bincount(ev[keep], minlength=len(actor))
        big = tlen >= BROADCAST_MIN_TARGETS  # always true in practice; keeps the rule exact
        tflat = tgt[keep][np.repeat(big, tlen)]
        self._add(actor[big], t[big], _K["email"], np.array(lists)[big], _CK["list"], tlen[big],
                  tflat)  # fmt: skip

    def _bot_and_externals(self) -> None:
        o, rng = self.o, self.rng
        eng = np.flatnonzero((o.dept == 0) & self.open & (o.level > 2))
        n_posts = rng.poisson(o.weeks * (20 + 0.1 * len(eng)))
        bot = np.full(n_posts, self.bot)
        self._threads(bot, np.full(n_posts, self.ch["eng-deploys"]), _CK["public"],
                      np.array([0, len(eng)]), eng, np.zeros(n_posts, np.int64), q=0.0,
                      replies=(0.0, 0.3), reacts=(0.5, 0.1))  # fmt: skip
        n_ment = rng.poisson(o.weeks * (10 + 0.2 * len(eng)))
        who = rng.choice(eng, n_ment)
        actor = np.full(n_ment, self.bot)
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(n_ment, np.int64), who)
        ok = tlen > 0
        self._add(actor[ok], t[ok], _K["mention"], o.primary[who[ok]], _CK["private"], tlen[ok],
                  tflat, thread=np.arange(ok.sum()))  # fmt: skip
        # external correspondents, each with a few internal owners in customer-facing teams
        facing = [d for d, s in enumerate(o.specs) if s.name in ("Sales", "Legal", "Finance",
                  "Support", "Marketing", "Product") and d != o.siloed]  # fmt: skip
        pool = np.flatnonzero(np.isin(o.dept, facing) & self.open)
        ext = np.arange(len(self.ext)) + self.bot + 1
        n_own = rng.integers(1, 4, len(ext))
        owner = rng.choice(pool, n_own.sum())
        pair_ext = np.repeat(ext, n_own)
        sent = rng.poisson(1.0 * o.weeks, len(owner))
        recv = rng.poisson(0.8 * o.weeks, len(owner))
        actor = np.concatenate([np.repeat(owner, sent), np.repeat(pair_ext, recv)])
        tgt = np.concatenate([np.repeat(pair_ext, sent), np.repeat(owner, recv)])
        t = self._times(actor)
        tlen, tflat = self._clean(actor, t, np.ones(len(actor), np.int64), tgt)
        ok = tlen > 0
        self._add(actor[ok], t[ok], _K["email"], self.ch["email"], _CK["dm"], tlen[ok], tflat)

    def build(self) -> pd.DataFrame:
        self._direct("dm", _RATES["dm"], [0.9, 0.07, 0.03])
        self._direct("email", _RATES["email"], [0.5, 0.22, 0.13, 0.09, 0.06])
        self._direct("meeting", _RATES["meeting"], [0.3, 0.22, 0.16, 0.12, 0.09, 0.06, 0.05], 2)
        self._direct("mention", _RATES["mention"], [0.85, 0.15])
        self._channels()
        self._broadcasts()
        self._bot_and_externals()
        return self._assemble()

    def _assemble(self) -> pd.DataFrame:
        """Concatenate the blocks, sort by time, number the events and build the strings."""
        parts = {f: [getattr(x, f) for x in self.blocks] for f in _Block._fields}
        sizes = [len(x) for x in parts["actor"]]
        self.blocks = []
        n_ev, start = sum(sizes), self.o.start
        for f in ("thread", "parent"):  # block-local -> global row
            base = np.cumsum([0, *sizes[:-1]])
            parts[f] = [np.where(x >= 0, x + b, -1) for x, b in zip(parts[f], base, strict=True)]

        def column(field: str) -> np.ndarray:  # concatenated in time order, freeing the parts
            return np.concatenate(parts.pop(field))[order]

        # unique keys (second, row) sort fast and identically whatever the sort algorithm
        key = np.concatenate([(t - start) // 10**9 for t in parts.pop("t")]) * n_ev
        key = np.sort(key + np.arange(n_ev))
        order, t = key % n_ev, start + key // n_ev * 10**9
        del key
        rank = np.empty(n_ev, dtype=np.int64)
        rank[order] = np.arange(n_ev)
        width = 4 * max(2, -(-len(str(n_ev)) // 4))
        columns = {"event_id": _id_strings(np.arange(n_ev), width)}
        for f in ("thread", "parent"):
            ref = column(f)
            columns[f] = _id_strings(np.where(ref >= 0, rank[np.maximum(ref, 0)], -1), width)
        del rank, ref
        actor = column("actor")
        small = {f: column(f) for f in ("kind", "channel", "ckind", "is_q")}
        tlen = np.concatenate(parts.pop("tlen")).astype(np.int64)
        tptr = np.concatenate([[0], np.cumsum(tlen)])
        tflat = np.concatenate(parts.pop("tflat"))
        emails = pa.array(self.emails, pa.large_string())
        sep, targets, step = pa.scalar(";", pa.large_string()), [], 2_000_000
        for s in range(0, n_ev, step):  # target lists are joined in chunks to bound memory
            rows = order[s : s + step]
            ln = tlen[rows]
            off = np.concatenate([[0], np.cumsum(ln)])
            flat = np.repeat(tptr[rows] - off[:-1], ln) + np.arange(off[-1])
            lists = pa.ListArray.from_arrays(pa.array(off, pa.int32()), emails.take(tflat[flat]))
            targets.append(pc.binary_join(lists, sep))
        del tlen, tptr, tflat, order

        def dictionary(codes: np.ndarray, values: list[str]) -> pa.DictionaryArray:
            return pa.DictionaryArray.from_arrays(pa.array(codes.astype(np.int32)), values)

        table = pa.table({
            "event_id": columns.pop("event_id"),
            "actor": dictionary(actor, self.emails),
            "targets": pa.chunked_array(targets, pa.large_string()),
            "timestamp": pa.array(t).cast(pa.timestamp("ns", tz="UTC")),
            "kind": dictionary(small["kind"], list(KINDS)),
            "channel": dictionary(small["channel"], self.channels),
            "channel_kind": dictionary(small["ckind"], list(CHANNEL_KINDS)),
            "thread": columns.pop("thread"),
            "parent": columns.pop("parent"),
            "is_bot": pa.array(actor == self.bot),
            "is_question": pa.array(small["is_q"]),
        })  # fmt: skip
        del targets, actor, small, t
        return table.to_pandas(self_destruct=True)
