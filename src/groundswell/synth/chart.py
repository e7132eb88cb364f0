"""The org chart of a synthetic organisation: people in tree order, the hierarchy, their
attributes, the planted roles and employment dates (:class:`_Org`), and the tables it draws
from. Part of :mod:`groundswell.synth`; :func:`groundswell.synth.generate` is the way in.
"""

from __future__ import annotations

import re
from typing import NamedTuple

import numpy as np
import pandas as pd

# fmt: off
__all__ = ["BOT_EMAIL", "HR_COLUMNS"]
HR_COLUMNS = ["employee_id", "name", "email", "manager_id", "department", "team", "title",
              "level", "location", "hire_date", "leave_date", "grade", "cost_centre"]
BOT_EMAIL = "deploy-bot@example.com"


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
_LOCATIONS = [("New York", -5), ("London", 0), ("Berlin", 1), ("Singapore", 8),
              ("Toronto", -5), ("Sydney", 11)]  # name, UTC offset in hours (winter)
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
# fmt: on

_DAY, _HOUR, _MINUTE, _SECOND = 86_400 * 10**9, 3_600 * 10**9, 60 * 10**9, 10**9


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
            manager.append(0)
            level.append(2)
            dept.append(d)
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
                    manager.append(node)
                    level.append(lv)
                    dept.append(d)
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
        codes = ["EXEC" if d == self.D else specs[d].prefix.upper() for d in self.dept]
        self.cost_centre = [f"CC-{p}-{k:03d}" for p, k in zip(codes, div_no, strict=True)]

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
