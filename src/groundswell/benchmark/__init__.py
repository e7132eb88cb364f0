"""Benchmarks beyond one organisation: anonymous profiles, exported and compared.

A *profile* is what an organisation may share of its network without naming anyone: a few
figures of a stored run (persona mix, reciprocity, the Q&A response rate, E-I by level, the
value-maturity distribution, group sizes), every group figure through the privacy gate
(:func:`groundswell.privacy.suppressed_groups`), no pseudonym, no name of a person, a group, a
channel or a place, the head count rounded to two significant figures and the date to the
month. :func:`export` makes one; :func:`compare` sets a run's profile against others' (or the
organisation's own past ones); :func:`reading` says what the comparison means in words.

groundswell ships one profile per shape of its synthetic organisation (``profiles/``,
labelled synthetic: they show how the comparison reads, they are no real organisation's);
``python -m groundswell.benchmark`` makes them again. ``analyze`` stores the comparison of
each run with them (:func:`store`), which the report shows (docs/benchmarks.md).
"""

from __future__ import annotations

import json
import math
from datetime import date
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from groundswell.errors import InputError
from groundswell.privacy import suppressed_groups
from groundswell.version import __version__

if TYPE_CHECKING:
    from groundswell.run import Run

__all__ = [
    "FORMAT",
    "HEADLINES",
    "compare",
    "export",
    "figure_words",
    "load_profiles",
    "reading",
    "shipped",
    "store",
]

FORMAT = "groundswell-benchmark-profile/1"
#: the figures the reading speaks of, with their words
HEADLINES: dict[str, str] = {
    "reciprocity": "reciprocity (share of ties returned)",
    "response_rate": "the response rate (share of questions answered)",
    "ei_departments": "E-I across departments (-1 all inside, +1 all across)",
    "maturity.none": "the share of people at no value-maturity stage",
    "persona.observer": "the share of observers",
}
MATURITY = ("none", "connect", "share", "solve", "innovate", "lead_change")
#: short table labels of the figures that are not a family (persona., maturity., ei_level.,
#: group_size.)
_FIGURE_WORDS: dict[str, str] = {
    "reciprocity": "reciprocated ties (share)",
    "density": "density",
    "modularity": "modularity",
    "ei_departments": "E-I index across departments",
    "strong_ties": "strong ties (share)",
    "diverse_ties": "diverse ties (share)",
    "mean_clustering": "mean clustering",
    "isolated_share": "people with no tie (share)",
    "response_rate": "questions answered (share)",
}
_QUARTILES = {"p25": "lower quartile", "median": "median", "p75": "upper quartile"}


def figure_words(name: str) -> str:
    """A profile's figure name in words for a table ("ei_level.3" -> "E-I index, level 3");
    a name this version does not know reads with its punctuation softened."""
    family, _, rest = name.partition(".")
    if name in _FIGURE_WORDS:
        return _FIGURE_WORDS[name]
    if family == "persona" and rest:
        return f"{rest}s (share)"
    if family == "maturity" and rest:
        stage = "none" if rest == "none" else rest.replace("_", " ")
        return f"highest stage {stage} (share)"
    if family == "ei_level" and rest:
        return f"E-I index, level {rest}"
    if family == "group_size" and rest:
        kind, _, stat = rest.partition(".")
        if stat == "count":
            return f"{kind}s of at least the minimum size (number)"
        return f"{kind} size, {_QUARTILES.get(stat, stat)}"
    return name.replace("_", " ").replace(".", ": ")


def _round2(n: int) -> int:
    """``n`` to two significant figures (1,234 -> 1,200)."""
    if n <= 0:
        return 0
    digits = math.floor(math.log10(n)) - 1
    return round(n, -digits) if digits > 0 else int(n)


def _float(v: Any) -> float | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(f) else round(f, 4)


def _gated_shares(counts: pd.Series, min_size: int, prefix: str) -> dict[str, float | None]:
    """Each category's share of the total, null where the gate suppresses its count."""
    counts = counts[counts > 0]
    hidden = suppressed_groups(counts, min_size)
    total = float(counts.sum())
    return {
        f"{prefix}.{k}": (None if k in hidden or not total else round(float(v) / total, 4))
        for k, v in counts.items()
    }


def export(run: Run, *, label: str | None = None, synthetic: bool = False) -> dict[str, Any]:
    """The anonymous profile of ``run`` (see the module docstring): a JSON-ready dict with
    ``format``, ``label``, ``synthetic``, ``made_by``, ``made_on`` (a month), ``people``
    (rounded), ``min_group_size`` and ``figures`` (name -> number or null)."""
    ws = run.ws
    min_size = ws.settings.min_group_size
    s = run.summary
    people = run._people_unsuppressed()
    people = people[~people["external"].astype(bool)]
    figures: dict[str, float | None] = {
        "reciprocity": _float(s.get("reciprocity")),
        "density": _float(s.get("density")),
        "modularity": _float(s.get("modularity")),
        "ei_departments": _float(s.get("ei_departments")),
        "strong_ties": _float(s.get("strong_ties")),
        "diverse_ties": _float(s.get("diverse_ties")),
        "mean_clustering": _float(s.get("mean_clustering")),
        "isolated_share": _float(s.get("isolated", 0) / max(int(s.get("people", 0)), 1)),
    }
    qa = run.findings(("qa",)).get("qa", {})
    figures["response_rate"] = _float(qa.get("summary", {}).get("response_rate"))
    # without a chat, enterprise-social or email tie in the window (Viva Insights' pairs,
    # surveys) no one's participation or value stage was measured: everyone an "observer" at
    # no stage would compare as an extreme, so both families are left out of the profile
    value = run.findings(("value",)).get("value") or {}
    digital = "connect" not in {u["stage"] for u in value.get("unmeasured", [])}
    if digital:
        figures.update(_gated_shares(people["persona"].value_counts(), min_size, "persona"))
    figures.update(_ei_by_level(run, people, min_size))
    if digital:
        figures.update(_maturity(run, min_size))
    for kind in ("department", "team"):
        figures.update(_group_sizes(people[kind], min_size, kind))
    return {
        "format": FORMAT,
        "label": label or ("synthetic organisation" if synthetic else "this organisation"),
        "synthetic": bool(synthetic),
        "made_by": f"groundswell {__version__}",
        "made_on": date.today().strftime("%Y-%m"),
        "people": _round2(len(people)),
        "min_group_size": min_size,
        "figures": figures,
    }


def _ei_by_level(run: Run, people: pd.DataFrame, min_size: int) -> dict[str, float | None]:
    """E-I index of the ties of the people at each level (external: to another department),
    levels gated by their number of people."""
    rows = run.ws.query(
        "SELECT p.level AS level, "
        "count(*) FILTER (WHERE q.department <> p.department) AS ext, "
        "count(*) FILTER (WHERE q.department = p.department) AS int "
        "FROM ties t JOIN people p ON p.person_id = t.actor_id "
        "JOIN people q ON q.person_id = t.target_id "
        "WHERE t.run_id = ? AND p.is_internal AND q.is_internal AND p.level IS NOT NULL "
        "AND p.department IS NOT NULL AND q.department IS NOT NULL GROUP BY p.level",
        [run.run_id],
    ).set_index("level")
    sizes = people["level"].dropna().astype(int).value_counts()
    hidden = suppressed_groups(sizes, min_size)
    out: dict[str, float | None] = {}
    for level in sorted(sizes.index):
        if level not in rows.index:
            continue
        e, i = float(rows.loc[level, "ext"]), float(rows.loc[level, "int"])
        out[f"ei_level.{int(level)}"] = (
            None if level in hidden or e + i == 0 else round((e - i) / (e + i), 4)
        )
    return out


def _maturity(run: Run, min_size: int) -> dict[str, float | None]:
    """The share of people at each value-maturity stage (their highest), gated."""
    stages = run.ws.query(
        "SELECT stage, count(*) AS n FROM maturity WHERE run_id = ? AND scale = 'person' "
        "GROUP BY stage",
        [run.run_id],
    )
    counts = stages.set_index("stage")["n"] if len(stages) else pd.Series(dtype="int64")
    counts = counts.reindex([m for m in MATURITY if m in counts.index or m == "none"]).fillna(0)
    return _gated_shares(counts.astype("int64"), min_size, "maturity")


def _group_sizes(labels: pd.Series, min_size: int, kind: str) -> dict[str, float | None]:
    """How many groups of ``kind`` hold at least the minimum, and the quartiles of their
    sizes (groups below the minimum are left out, not counted)."""
    sizes = labels.dropna().value_counts()
    sizes = sizes[sizes >= min_size]
    if sizes.empty:
        return {f"group_size.{kind}.count": 0.0}
    return {
        f"group_size.{kind}.count": float(len(sizes)),
        f"group_size.{kind}.p25": float(sizes.quantile(0.25)),
        f"group_size.{kind}.median": float(sizes.median()),
        f"group_size.{kind}.p75": float(sizes.quantile(0.75)),
    }


def _check(profile: Any, where: str) -> dict[str, Any]:
    """A profile read from ``where``, or an InputError saying what is wrong with it."""
    if not isinstance(profile, dict) or profile.get("format") != FORMAT:
        raise InputError(
            where,
            "not a benchmark profile",
            expected=f'a JSON object with "format": "{FORMAT}" (groundswell benchmark export)',
            found=profile.get("format") if isinstance(profile, dict) else type(profile).__name__,
        )
    figures = profile.get("figures")
    if not isinstance(figures, dict) or not all(
        v is None or isinstance(v, int | float) for v in figures.values()
    ):
        raise InputError(
            where,
            "a profile whose figures are not numbers",
            expected='"figures": an object of numbers or nulls',
        )
    return profile


def shipped() -> list[Path]:
    """The files of the example profiles shipped with groundswell (synthetic)."""
    folder = resources.files(__name__).joinpath("profiles")
    return sorted(
        (Path(str(p)) for p in folder.iterdir() if p.name.endswith(".json")),
        key=lambda p: p.name,
    )


def load_profiles(paths: list[str] | list[Path] | None = None) -> list[dict[str, Any]]:
    """The profiles in ``paths`` (default: :func:`shipped`); an unreadable one is an
    InputError naming the file."""
    out = []
    for path in [Path(p) for p in paths] if paths else shipped():
        try:
            raw = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(path, "no such profile file", expected="a profile JSON") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InputError(
                path, f"not JSON ({exc})", expected="a profile from groundswell benchmark export"
            ) from None
        out.append(_check(raw, str(path)))
    if not paths:  # the examples, smallest organisation first
        out.sort(key=lambda p: (int(p.get("people") or 0), str(p.get("label"))))
    return out


def compare(mine: dict[str, Any], others: list[dict[str, Any]]) -> pd.DataFrame:
    """One row per figure of ``mine`` or of any of ``others``: ``figure``, ``value`` (None when
    ``mine`` has none), ``others`` (each profile's value, in order, None where it has none),
    ``below`` and ``above`` (how many of the others that have the figure are lower, higher)
    and ``of`` (how many have it)."""
    rows = []
    names = list(mine["figures"])
    names += [n for o in others for n in o["figures"] if n not in names]
    names = list(dict.fromkeys(names))
    for name in names:
        value = mine["figures"].get(name)
        theirs = [o["figures"].get(name) for o in others]
        known = [t for t in theirs if t is not None]
        below = sum(t < value for t in known) if value is not None else None
        above = sum(t > value for t in known) if value is not None else None
        rows.append(
            {
                "figure": name,
                "value": value,
                "others": theirs,
                "below": below,
                "above": above,
                "of": len(known),
            }
        )
    return pd.DataFrame(rows, columns=["figure", "value", "others", "below", "above", "of"])


def _label(profile: dict[str, Any]) -> str:
    """A profile's label, saying "synthetic" when it is and its label does not."""
    label = str(profile.get("label", "?"))
    synthetic = profile.get("synthetic") and "synthetic" not in label.lower()
    return label + (" (synthetic)" if synthetic else "")


def reading(table: pd.DataFrame, others: list[dict[str, Any]]) -> list[str]:
    """What the comparison says, in words, for the headline figures."""
    labels = [_label(o) for o in others]
    out = []
    if any(o.get("synthetic") for o in others):
        out.append(
            "Compared with synthetic example profiles: they show how the comparison reads, "
            "not how real organisations are. Compare with profiles other organisations share "
            "(groundswell benchmark export) or your own earlier ones."
        )
    by = table.set_index("figure")
    for name, words in HEADLINES.items():
        if name not in by.index or pd.isna(by.loc[name, "value"]) or not by.loc[name, "of"]:
            continue
        r = by.loc[name]
        value, of = float(r["value"]), int(r["of"])
        below, above = int(r["below"]), int(r["above"])
        level = of - below - above
        if below == of:
            where = "the highest"
        elif above == of:
            where = "the lowest"
        elif level == of:
            where = "level with " + ("it" if of == 1 else "them all")
        else:
            parts = [
                f"higher than {below}" if below else "",
                f"lower than {above}" if above else "",
            ]
            parts.append(f"level with {level}" if level else "")
            where = ", ".join(p for p in parts if p) + f" of {of}"
        theirs = ", ".join(
            f"{lab} {v:.2f}" for lab, v in zip(labels, r["others"], strict=True) if v is not None
        )
        out.append(f"{words[0].upper()}{words[1:]}: {value:.2f}, {where} ({theirs}).")
    return out


def store(run: Run, profiles: list[dict[str, Any]] | None = None) -> None:
    """Store ``run``'s profile and its comparison with ``profiles`` (default: the shipped
    examples) as the run's ``benchmark`` findings section, for the report and the dashboard."""
    others = profiles if profiles is not None else load_profiles()
    mine = export(run)
    table = compare(mine, others)
    body = {
        "profile": mine,
        "against": [
            {
                "label": o.get("label"),
                "synthetic": bool(o.get("synthetic")),
                "people": o.get("people"),
            }
            for o in others
        ],
        "rows": json.loads(table.to_json(orient="records")),
        "reading": reading(table, others),
    }
    with run.ws.transaction() as con:
        con.execute(
            "DELETE FROM run_findings WHERE run_id = ? AND section = 'benchmark'", [run.run_id]
        )
        con.execute(
            "INSERT INTO run_findings VALUES (?, 'benchmark', ?)", [run.run_id, json.dumps(body)]
        )
