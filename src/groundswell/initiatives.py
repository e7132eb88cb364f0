"""Initiatives: what an initiative is (its stored definition) and its stored traction.

An **initiative** is a programme, a new tool, a campaign: something the organisation wants
to travel through its network. groundswell recognises it in the metadata the sources keep
(never in message text, unless the workspace was created with content switched on):

- ``channels``: channels by name (``proj-expenses``, or a pattern ``proj-expense*``) or id
  (``c_...``): every message in them, and the replies, mentions and reactions they carry;
- ``keywords``: a hashtag or word (``#newtool``, ``expenses``) found in channel names — the
  only words the canonical model keeps — and, in a workspace that stores message text, in
  the text of messages (with the replies in their threads);
- ``meetings``: meeting series by id (``c_...``) or by the identifier the source gave them
  (a calendar's UID, an events file's channel): the meetings and their attendees;
- ``behaviour``: an adoption behaviour (``groundswell ingest adoptions``): the people who
  took it up, and their interactions with each other once both had.

A definition is given on the command line (``groundswell traction WS NAME --channel ...``),
in the workspace settings (``[initiatives.NAME]`` in ``groundswell.toml``, the same keys) or
from Python (:meth:`Initiative.from_options`), and stored in the table ``initiatives`` with
what ``traction`` last computed for it (:mod:`groundswell.diffusion.traction`). The report,
the dashboard and the CLI read the stored result here (:func:`read`); nothing is computed on
the way out. See docs/traction.md.

This module sits beside :mod:`groundswell.results`: it imports the store's layer only.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.config import CONFIG_FILE
from groundswell.errors import AnalysisError, ConfigError, ParameterError

if TYPE_CHECKING:
    from groundswell.store import Store

__all__ = [
    "BY",
    "PERIODS",
    "Initiative",
    "Traction",
    "defined",
    "from_settings",
    "listed",
    "read",
    "resolve",
    "save",
]

#: how periods are cut
PERIODS = ("week", "month")
#: the formal grouping the index counts and the cross-boundary share crosses
BY = ("department", "team", "location")
_KEYS = ("channels", "keywords", "meetings", "behaviour", "period", "by")
_MAX_NAME = 80


@dataclass(frozen=True)
class Initiative:
    """The definition of one initiative (see the module docstring)."""

    name: str
    channels: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    meetings: tuple[str, ...] = ()
    behaviour: str | None = None
    period: str = "week"
    by: str = "department"
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    @classmethod
    def from_options(
        cls,
        name: str,
        *,
        channels: list[str] | tuple[str, ...] = (),
        keywords: list[str] | tuple[str, ...] = (),
        meetings: list[str] | tuple[str, ...] = (),
        behaviour: str | None = None,
        period: str = "week",
        by: str = "department",
        where: str = "",
    ) -> Initiative:
        """A checked definition; ``where`` prefixes the parameter names in errors
        (``--`` for command-line options, ``groundswell.toml: initiatives.NAME.`` for
        settings)."""
        name = str(name).strip()
        if not name or len(name) > _MAX_NAME or any(ord(c) < 0x20 for c in name):
            raise ParameterError(
                f"{where}name" if where != "--" else "INITIATIVE",
                f"a name of 1 to {_MAX_NAME} printable characters",
                name,
            )

        def words(key: str, values: Any) -> tuple[str, ...]:
            if isinstance(values, str):
                values = [values]
            if not isinstance(values, list | tuple) or not all(
                isinstance(v, str) and v.strip() for v in values
            ):
                raise ParameterError(f"{where}{key}", "a list of non-empty names", values)
            return tuple(dict.fromkeys(v.strip() for v in values))

        chans, keys, meets = (
            words("channel" if where == "--" else "channels", channels),
            words("keyword" if where == "--" else "keywords", keywords),
            words("meeting" if where == "--" else "meetings", meetings),
        )
        keys = tuple(dict.fromkeys(k.lstrip("#").strip() for k in keys if k.lstrip("#").strip()))
        if behaviour is not None and (not isinstance(behaviour, str) or not behaviour.strip()):
            raise ParameterError(f"{where}behaviour", "the name of an adopted behaviour", behaviour)
        if period not in PERIODS:
            raise ParameterError(f"{where}period", f"one of {', '.join(PERIODS)}", period)
        if by not in BY:
            raise ParameterError(f"{where}by", f"one of {', '.join(BY)}", by)
        if not (chans or keys or meets or behaviour):
            what = (
                "--channel, --keyword, --meeting or --behaviour"
                if where == "--"
                else "channels, keywords, meetings or behaviour"
            )
            raise ConfigError(f"initiative {name!r} has no definition: give at least one of {what}")
        return cls(
            name=name,
            channels=chans,
            keywords=keys,
            meetings=meets,
            behaviour=behaviour.strip() if behaviour else None,
            period=period,
            by=by,
        )

    def definition(self) -> dict[str, Any]:
        """The stored definition (JSON-serialisable)."""
        d = asdict(self)
        d.pop("name")
        d.pop("extra")
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}

    def describe(self) -> str:
        """The definition in words."""
        parts = []
        if self.channels:
            parts.append("channels " + ", ".join(self.channels))
        if self.keywords:
            parts.append("keywords " + ", ".join("#" + k for k in self.keywords))
        if self.meetings:
            parts.append("meetings " + ", ".join(self.meetings))
        if self.behaviour:
            parts.append(f"adopters of {self.behaviour!r}")
        return "; ".join(parts) + f" (by {self.period}, groups by {self.by})"


def from_settings(ws: Store, name: str) -> Initiative | None:
    """The definition of ``name`` in the workspace settings (``[initiatives.NAME]``), or
    None when the settings define no such initiative."""
    section = ws.settings.raw.get("initiatives", {}) or {}
    raw = section.get(name)
    if raw is None:
        return None
    where = f"{CONFIG_FILE}: initiatives.{name}."
    if not isinstance(raw, dict):
        raise ParameterError(where.rstrip("."), "a table of channels, keywords, ...", raw)
    unknown = sorted(set(raw) - set(_KEYS))
    if unknown:
        raise ConfigError(
            f"{CONFIG_FILE}: unknown setting 'initiatives.{name}.{unknown[0]}'; "
            f"expected one of {list(_KEYS)}"
        )
    return Initiative.from_options(
        name,
        channels=raw.get("channels", ()),
        keywords=raw.get("keywords", ()),
        meetings=raw.get("meetings", ()),
        behaviour=raw.get("behaviour"),
        period=raw.get("period", "week"),
        by=raw.get("by", "department"),
        where=where,
    )


def resolve(
    ws: Store,
    name: str,
    *,
    channels: list[str] | tuple[str, ...] = (),
    keywords: list[str] | tuple[str, ...] = (),
    meetings: list[str] | tuple[str, ...] = (),
    behaviour: str | None = None,
    period: str | None = None,
    by: str | None = None,
) -> Initiative:
    """The definition to use: the one given (any of ``channels``, ``keywords``,
    ``meetings``, ``behaviour``), else the settings' ``[initiatives.NAME]``, else the stored
    one; ``period`` and ``by`` override it. A ConfigError when there is none."""
    if channels or keywords or meetings or behaviour:
        return Initiative.from_options(
            name, channels=channels, keywords=keywords, meetings=meetings, behaviour=behaviour,
            period=period or "week", by=by or "department", where="--",
        )  # fmt: skip
    found = from_settings(ws, name) or defined(ws, name)
    if found is None:
        known = sorted(
            set(ws.query("SELECT name FROM initiatives")["name"])
            | set(ws.settings.raw.get("initiatives", {}) or {})
        )
        raise ConfigError(
            f"initiative {name!r} is not defined: give --channel, --keyword, --meeting or "
            f"--behaviour, or define [initiatives.{name!r}] in {ws.folder / CONFIG_FILE}"
            + (f"; defined: {', '.join(known)}" if known else "")
        )
    if period is not None or by is not None:
        found = Initiative.from_options(
            name, channels=found.channels, keywords=found.keywords, meetings=found.meetings,
            behaviour=found.behaviour, period=period or found.period, by=by or found.by,
            where="--",
        )  # fmt: skip
    return found


def defined(ws: Store, name: str) -> Initiative | None:
    """The stored definition of ``name`` (None when it was never defined)."""
    rows = ws.query("SELECT definition FROM initiatives WHERE name = ?", [name])
    if rows.empty:
        return None
    d = json.loads(rows["definition"].iloc[0])
    return Initiative.from_options(
        name,
        channels=d.get("channels", ()),
        keywords=d.get("keywords", ()),
        meetings=d.get("meetings", ()),
        behaviour=d.get("behaviour"),
        period=d.get("period", "week"),
        by=d.get("by", "department"),
    )


def save(ws: Store, initiative: Initiative) -> None:
    """Store (or replace) the definition; what was computed for an older definition stays
    until ``traction`` computes again."""
    now = pd.Timestamp.now(tz="UTC")
    body = json.dumps(initiative.definition())
    with ws.transaction() as con:
        con.execute(
            "INSERT INTO initiatives (name, definition, defined_at) VALUES (?, ?, ?) "
            "ON CONFLICT (name) DO UPDATE SET definition = excluded.definition, "
            "defined_at = excluded.defined_at",
            [initiative.name, body, now],
        )


def listed(ws: Store) -> pd.DataFrame:
    """Every stored initiative: name, definition (dict), when computed, run, plan, summary
    (dict), the reading in words and whether it was measured; newest computation first."""
    rows = ws.query(
        "SELECT name, definition, defined_at, computed_at, run_id, plan_id, summary "
        "FROM initiatives ORDER BY computed_at DESC NULLS LAST, name"
    )
    rows["definition"] = rows["definition"].map(json.loads)
    rows["summary"] = rows["summary"].map(lambda s: json.loads(s) if isinstance(s, str) else {})
    rows["reading"] = rows["summary"].map(lambda s: s.get("reading", "not computed yet"))
    rows["measured"] = rows["summary"].map(bool).astype(bool)  # bool even when empty
    return rows


@dataclass(frozen=True)
class Traction:
    """An initiative's stored traction (computed by :func:`groundswell.diffusion.traction.
    compute`, read here).

    Attributes
    ----------
    name, definition :
        The initiative and its definition (a dict).
    run_id, plan_id :
        The run whose roles and communities were used; the champion plan set against it
        (None when there was none).
    periods : DataFrame
        One row per period (``period_start``): acts, posts, participants,
        new_participants, departments, teams, communities, groups_reached, influencers,
        replies, two_way, cross_boundary, quality, reach, traction.
    groups : DataFrame
        People taking part by group and period (attribute, group_name, period_start, size,
        participants), groups through the privacy gate.
    roles : DataFrame
        Influencers taking part by role and period (period_start, role, people).
    summary : dict
        ``status`` (each group of ``by``: size, participants, share, peak, recent, status,
        forecast share), ``forecast`` (the plan's, or None), ``index`` (the definition of
        the index in words), ``reading`` (the result in words), ``totals``.
    """

    name: str
    definition: dict[str, Any]
    computed_at: Any
    run_id: int | None
    plan_id: int | None
    periods: pd.DataFrame
    groups: pd.DataFrame
    roles: pd.DataFrame
    summary: dict[str, Any]

    @property
    def reading(self) -> str:
        return str(self.summary.get("reading", ""))

    def status(self) -> pd.DataFrame:
        """Each group of the definition's ``by`` with its status (spreading, stalled, not
        reached) and the plan's forecast share when there is a plan."""
        return pd.DataFrame(self.summary.get("status", []))

    def as_dict(self, min_size: int) -> dict[str, Any]:
        """Plain data (JSON-ready) for the report, the dashboard and the API: the stored
        figures, with any group below ``min_size`` left out (they are stored so; checked
        again before anything leaves)."""

        def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
            out = frame.astype(object).where(frame.notna(), None)
            if "period_start" in out:
                out["period_start"] = out["period_start"].map(str)
            return [dict(r) for r in out.to_dict(orient="records")]

        status = self.status()
        if len(status):
            status = status[status["size"] >= min_size]
        groups = self.groups[self.groups["size"] >= min_size]
        return {
            "name": self.name,
            "definition": self.definition,
            "definition_text": self.summary.get("definition_text", ""),
            "computed_at": str(self.computed_at),
            "run_id": self.run_id,
            "plan_id": self.plan_id,
            "reading": self.reading,
            "index": self.summary.get("index", ""),
            "totals": self.summary.get("totals", {}),
            "forecast": self.summary.get("forecast"),
            "periods": records(self.periods),
            "groups": records(groups),
            "status": records(status),
            "roles": records(self.roles),
            "min_group_size": min_size,
        }


def read(ws: Store, name: str) -> Traction:
    """The stored traction of ``name``; an AnalysisError naming the command when it was
    never computed (or the initiative never defined)."""
    head = ws.query(
        "SELECT name, definition, computed_at, run_id, plan_id, summary FROM initiatives "
        "WHERE name = ?",
        [name],
    )
    if head.empty or not isinstance(head["summary"].iloc[0], str):
        known = ws.query("SELECT name FROM initiatives ORDER BY name")["name"].tolist()
        raise AnalysisError(
            f"{ws.folder}: no traction computed for initiative {name!r}"
            + (f"; initiatives: {', '.join(known)}" if known else "")
            + f" (compute it with: groundswell traction {ws.folder} {name!r} --channel ...)"
        )
    r = head.iloc[0]
    periods = ws.query(
        "SELECT * EXCLUDE (name) FROM initiative_periods WHERE name = ? ORDER BY period_start",
        [name],
    )
    groups = ws.query(
        "SELECT * EXCLUDE (name) FROM initiative_groups WHERE name = ? "
        "ORDER BY attribute, group_name, period_start",
        [name],
    )
    roles = ws.query(
        "SELECT * EXCLUDE (name) FROM initiative_roles WHERE name = ? ORDER BY period_start, role",
        [name],
    )
    for frame in (periods, groups, roles):  # dates, as they were cut
        frame["period_start"] = pd.to_datetime(frame["period_start"]).dt.date
    return Traction(
        name=str(r["name"]),
        definition=json.loads(r["definition"]),
        computed_at=r["computed_at"],
        run_id=None if pd.isna(r["run_id"]) else int(r["run_id"]),
        plan_id=None if pd.isna(r["plan_id"]) else int(r["plan_id"]),
        periods=periods,
        groups=groups,
        roles=roles,
        summary=json.loads(r["summary"]),
    )
