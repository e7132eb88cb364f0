"""Workspace settings: ``groundswell.toml``, its defaults and their validation."""

from __future__ import annotations

import copy
import datetime as dt
import ipaddress
import json
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from groundswell.errors import ConfigError

CONFIG_FILE = "groundswell.toml"


def read_utf8(path: Path, expected: str, lead: str = "") -> str:
    """The text of a file written by hand (settings, questions, a list of names); one
    :class:`ConfigError` naming the file, the line and the byte when it is not UTF-8:
    ``{path}: {lead}not UTF-8 text (line 3: byte 0xff); {expected}``. (OSError: the
    caller's.)"""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        data = bytes(exc.object)
        line = data[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path}: {lead}not UTF-8 text (line {line}: byte 0x{data[exc.start]:02x}); {expected}"
        ) from None


def parse_file(path: Path, kind: str, expected: str) -> Any:
    """A TOML or JSON file (``kind``) written by hand, as Python; one :class:`ConfigError`
    naming the file when it is not UTF-8 (:func:`read_utf8`), not valid, or nested too
    deeply for Python's readers (a RecursionError otherwise)."""
    lead = f"not valid {kind}: "
    text = read_utf8(path, expected, lead)
    try:
        return json.loads(text) if kind == "JSON" else tomllib.loads(text)
    except (json.JSONDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: {lead}{exc}") from None
    except RecursionError:
        raise ConfigError(
            f"{path}: {lead}arrays or tables nested too deeply to read; {expected}"
        ) from None


def default_text() -> str:
    """The commented default settings file, as written by ``groundswell init``."""
    return resources.files("groundswell").joinpath("defaults.toml").read_text()


def _defaults() -> dict[str, Any]:
    return tomllib.loads(default_text())


def _merge(base: dict[str, Any], over: dict[str, Any], where: str) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in over.items():
        open_section = where.startswith(("mapping", "initiatives")) or where == "ties.weights"
        if key not in base and not open_section:
            raise ConfigError(
                f"{CONFIG_FILE}: unknown setting '{where + '.' if where else ''}{key}'; "
                f"expected one of {sorted(base)}"
            )
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _merge(base[key], value, f"{where}.{key}" if where else key)
        else:
            out[key] = value
    return out


@dataclass(frozen=True)
class Settings:
    """The validated settings of one workspace (see ``defaults.toml`` for each meaning)."""

    raw: dict[str, Any]

    @property
    def identified(self) -> bool:
        return bool(self.raw["privacy"]["identified"])

    @property
    def min_group_size(self) -> int:
        return int(self.raw["privacy"]["min_group_size"])

    @property
    def store_content(self) -> bool:
        return bool(self.raw["privacy"]["store_content"])

    @property
    def ties(self) -> dict[str, Any]:
        return self.raw["ties"]

    @property
    def internal_domains(self) -> list[str]:
        return [d.lower().lstrip("@") for d in self.raw["ingest"]["internal_domains"]]

    @property
    def analysis(self) -> dict[str, Any]:
        return self.raw["analysis"]

    @property
    def max_field_bytes(self) -> int:
        """The longest field a reader accepts, in bytes (``ingest``)."""
        return int(self.raw["ingest"]["max_field_bytes"])

    @property
    def max_recipients(self) -> int:
        """Recipients stored per act; more are dropped with a warning (``ingest``)."""
        return int(self.raw["ingest"]["max_recipients"])

    @property
    def dayfirst(self) -> bool:
        """Read a date column that does not decide its order day first (``locale``)."""
        return bool(self.raw["locale"]["dayfirst"])

    @property
    def trusted_proxies(self) -> list[str]:
        """Reverse proxies whose forwarded headers the dashboard believes (``web``)."""
        return [str(p) for p in self.raw["web"]["trusted_proxies"]]

    @property
    def outcomes(self) -> dict[str, Any]:
        """Outcomes against the network (``outcomes``: lower_is_better, deviant_z)."""
        return self.raw["outcomes"]

    def mapping(self, reader: str) -> dict[str, str]:
        return dict(self.raw.get("mapping", {}).get(reader, {}))


def _check(cond: bool, setting: str, allowed: str, got: object) -> None:
    if not cond:
        raise ConfigError(f"{CONFIG_FILE}: '{setting}' must be {allowed}; got {got!r}")


def _is_int(value: object) -> bool:
    """An integer, not ``true``/``false`` (TOML booleans are Python ints)."""
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: object) -> bool:
    """An integer or a decimal number, not ``true``/``false``."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_date(value: object) -> bool:
    """A TOML date, or text holding an ISO date (YYYY-MM-DD)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return True
    if not isinstance(value, str):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate(raw: dict[str, Any]) -> Settings:
    p, t, a = raw["privacy"], raw["ties"], raw["analysis"]
    domains = raw["ingest"]["internal_domains"]
    _check(
        isinstance(domains, list) and all(isinstance(d, str) and d for d in domains),
        "ingest.internal_domains",
        'a list of domains such as ["acme.com"]',
        domains,
    )
    dayfirst = raw["locale"]["dayfirst"]
    _check(isinstance(dayfirst, bool), "locale.dayfirst", "true or false", dayfirst)
    for k in ("earliest_date", "earliest_hr_date"):
        v = raw["ingest"][k]
        _check(_is_date(v), f"ingest.{k}", 'a date such as "1990-01-01"', v)
    for k in ("days_ahead", "planned_days_ahead"):
        v = raw["ingest"][k]
        _check(
            _is_int(v) and v >= 0,
            f"ingest.{k}",
            "an integer >= 0",
            v,
        )
    for k in ("identified", "store_content"):
        _check(isinstance(p[k], bool), f"privacy.{k}", "true or false", p[k])
    _check(
        _is_int(p["min_group_size"]) and p["min_group_size"] >= 1,
        "privacy.min_group_size",
        "an integer >= 1",
        p["min_group_size"],
    )
    _check(
        _is_int(t["min_interactions"]) and t["min_interactions"] >= 1,
        "ties.min_interactions",
        "an integer >= 1",
        t["min_interactions"],
    )
    _check(
        _is_int(t["broadcast_threshold"]) and t["broadcast_threshold"] >= 1,
        "ties.broadcast_threshold",
        "an integer >= 1",
        t["broadcast_threshold"],
    )
    for k in ("max_field_bytes", "max_recipients"):
        v = raw["ingest"][k]
        _check(
            _is_int(v) and v >= 1,
            f"ingest.{k}",
            "an integer >= 1",
            v,
        )
    _check(
        raw["ingest"]["max_recipients"] >= t["broadcast_threshold"],
        "ingest.max_recipients",
        f"at least ties.broadcast_threshold ({t['broadcast_threshold']}), so that no act "
        "that can make a tie loses recipients",
        raw["ingest"]["max_recipients"],
    )
    _check(
        _is_int(t["window_days"]) and t["window_days"] >= 1,
        "ties.window_days",
        "an integer >= 1",
        t["window_days"],
    )
    _check(
        _is_number(t["decay_half_life_days"]) and t["decay_half_life_days"] >= 0,
        "ties.decay_half_life_days",
        "a number >= 0",
        t["decay_half_life_days"],
    )
    for kind, w in t["weights"].items():
        _check(_is_number(w) and w >= 0, f"ties.weights.{kind}", "a number >= 0", w)
    _check(
        _is_number(a["leiden_resolution"]) and a["leiden_resolution"] > 0,
        "analysis.leiden_resolution",
        "a number > 0",
        a["leiden_resolution"],
    )
    _check(_is_int(a["seed"]), "analysis.seed", "an integer", a["seed"])
    _check(
        isinstance(t["internal_only"], bool),
        "ties.internal_only",
        "true or false",
        t["internal_only"],
    )
    for k in ("leiden_stability_seeds", "leiden_stability_seeds_at_scale"):
        _check(_is_int(a[k]) and a[k] >= 0, f"analysis.{k}", "an integer >= 0", a[k])
    for k in (
        "betweenness_exact_max_nodes",
        "betweenness_samples",
        "map_max_people",
        "scale_min_nodes",
    ):
        _check(_is_int(a[k]) and a[k] >= 1, f"analysis.{k}", "an integer >= 1", a[k])
    for k in ("betweenness_delta", "betweenness_epsilon"):
        v = a[k]
        _check(
            _is_number(v) and 0 < v < 1,
            f"analysis.{k}",
            "a number between 0 and 1",
            v,
        )
    o = raw["outcomes"]
    _check(
        isinstance(o["lower_is_better"], list)
        and all(isinstance(m, str) for m in o["lower_is_better"]),
        "outcomes.lower_is_better",
        "a list of measure names",
        o["lower_is_better"],
    )
    _check(
        _is_number(o["deviant_z"]) and o["deviant_z"] > 0,
        "outcomes.deviant_z",
        "a number > 0",
        o["deviant_z"],
    )
    proxies = raw["web"]["trusted_proxies"]
    _check(
        isinstance(proxies, list) and all(_is_network(x) for x in proxies),
        "web.trusted_proxies",
        'a list of IP addresses or networks such as ["10.0.0.5", "10.1.0.0/16"]',
        proxies,
    )
    return Settings(raw)


def _is_network(value: object) -> bool:
    """An IP address or network written as text (not "*": that would believe anyone)."""
    if not isinstance(value, str):
        return False
    try:
        ipaddress.ip_network(value, strict=False)
    except ValueError:
        return False
    return True


def load(folder: Path) -> Settings:
    """Read and validate ``groundswell.toml`` in a workspace folder, over the defaults."""
    path = folder / CONFIG_FILE
    expected = "expected settings as groundswell init writes them (TOML, in UTF-8)"
    user = parse_file(path, "TOML", expected) if path.exists() else {}
    return validate(_merge(_defaults(), _renamed(user), ""))


#: settings renamed since a workspace's groundswell.toml may have been written: old -> new
RENAMED = {("value", "purpose_team_share"): ("value", "team_room_team_share")}


def _renamed(user: dict[str, Any]) -> dict[str, Any]:
    """A settings file written by an earlier version, with renamed settings under their new
    names (a new name given explicitly wins)."""
    out = copy.deepcopy(user)
    for (section, old), (_, new) in RENAMED.items():
        part = out.get(section)
        if isinstance(part, dict) and old in part:
            value = part.pop(old)
            part.setdefault(new, value)
    return out


def defaults() -> Settings:
    return validate(_defaults())
