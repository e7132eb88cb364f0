"""Outcomes against network position: rank correlations with intervals, peers in the same
position, multiple-comparison control, and positive deviants by results (docs/outcomes.md).

Every statistic here is a pure function of arrays or tables; :mod:`groundswell.outcome_links`
runs them on a stored run and stores what they find.

- :func:`spearman`: Spearman's rank correlation rho, its p-value (the t approximation with
  n - 2 degrees of freedom, as :func:`scipy.stats.spearmanr`), and a confidence interval by
  Fisher's z with the standard error of Bonett and Wright (2000), sqrt((1 + rho^2 / 2) / (n - 3)).
- :func:`partial_spearman`: the rank correlation *within* formal position: both variables
  ranked, each rank centred on its stratum's mean (department x level), and the centred ranks
  correlated. This is the partial correlation of the ranks given one indicator per stratum;
  its p-value is the t test of the rank slope in the regression of one rank on the other and
  the strata (n - 2 - (k - 1) degrees of freedom for k strata with two people or more), and its
  interval Fisher's z with the Bonett-Wright standard error over n - 3 - (k - 1).
- :func:`difference`: whether two departments' correlations differ (Fisher's z of each, the
  difference over the root of the summed Bonett-Wright variances), so that "the link holds in
  one department and not in another" is said only when the two differ, not merely because one
  department is smaller;
- :func:`benjamini_hochberg`: q-values (step-up false discovery rate, Benjamini and Hochberg
  1995), as ``statsmodels.stats.multitest.multipletests(p, method="fdr_bh")``.
- :func:`deviants`: positive deviants by results -- people whose outcome is at least ``z``
  robust standard deviations (1.4826 x the median absolute deviation) better than the median
  of their peers with the same department and level, in a peer group of at least the minimum
  group size (Pascale, Sternin and Sternin 2010).

References
----------
Bonett, D. G. and Wright, T. A. (2000). Sample size requirements for estimating Pearson,
Kendall and Spearman correlations. Psychometrika 65(1), 23-28.
Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57, 289-300.
Pascale, R., Sternin, J. and Sternin, M. (2010). The Power of Positive Deviance. Harvard
Business Press.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType

import numpy as np
import pandas as pd

from groundswell import words


def _scipy_stats() -> ModuleType:
    """scipy.stats, imported on first use: it loads some 400 modules (about a second, and
    several more on a first run, when Python compiles them), and analyze needs it only when
    the workspace has outcomes."""
    from scipy import stats

    return stats


__all__ = [
    "MEASURES",
    "MIN_PEOPLE",
    "Correlation",
    "benjamini_hochberg",
    "controlled",
    "deviants",
    "difference",
    "links",
    "partial_spearman",
    "reading",
    "spearman",
]

#: the network measures set against outcomes, with the words the views use
MEASURES: dict[str, str] = {
    "betweenness": "brokerage (betweenness)",
    "constraint": "closed network (Burt's constraint; low is brokerage)",
    "in_degree": "people who come to them (in-degree)",
    "pagerank": "influence (PageRank)",
    "boundary_share": "ties across departments (boundary share)",
}
#: each measure as the noun of a sentence ("people with more brokerage ...")
NOUNS: dict[str, str] = {
    "betweenness": "brokerage",
    "constraint": "constraint (a closed network)",
    "in_degree": "in-degree (people coming to them)",
    "pagerank": "influence",
    "boundary_share": "ties across departments",
}
#: below this many people a correlation is not read (its interval spans most of -1..1)
MIN_PEOPLE = 10
CONFIDENCE = 0.95


@dataclass(frozen=True)
class Correlation:
    """A rank correlation: n pairs, rho, its interval (``ci_low``, ``ci_high``) and p."""

    n: int
    rho: float
    ci_low: float
    ci_high: float
    p: float


def _fisher_interval(r: float, df: int, confidence: float) -> tuple[float, float]:
    """Fisher's z interval with the Bonett-Wright standard error over ``df`` (n - 3 less the
    covariates), back-transformed; (nan, nan) when undefined."""
    if not np.isfinite(r) or df <= 0:
        return math.nan, math.nan
    if abs(r) >= 1.0:
        return r, r
    se = math.sqrt((1.0 + r * r / 2.0) / df)
    zc = float(_scipy_stats().norm.ppf(0.5 + confidence / 2.0))
    z = math.atanh(r)
    return math.tanh(z - zc * se), math.tanh(z + zc * se)


def _exact(r: float) -> float:
    """``r`` with a rounding error at +-1 removed (a perfect rank agreement is exactly 1)."""
    return float(np.sign(r)) if abs(r) > 1.0 - 1e-12 else r


def _t_p(r: float, df: int) -> float:
    """Two-sided p of a correlation ``r`` by the t approximation with ``df`` degrees."""
    if not np.isfinite(r) or df <= 0:
        return math.nan
    if abs(r) >= 1.0:
        return 0.0
    t = r * math.sqrt(df / (1.0 - r * r))
    return float(2.0 * _scipy_stats().t.sf(abs(t), df))


def spearman(x: np.ndarray, y: np.ndarray, *, confidence: float = CONFIDENCE) -> Correlation:
    """Spearman's rho of ``x`` and ``y`` (pairs with a missing value dropped), its two-sided
    p (t approximation, n - 2 degrees) and its Fisher-z interval with the Bonett-Wright
    standard error.

    >>> c = spearman(np.arange(10.0), np.arange(10.0) ** 2)
    >>> c.n, round(c.rho, 3), c.p
    (10, 1.0, 0.0)
    """
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n < 3 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    r = _exact(float(np.corrcoef(_scipy_stats().rankdata(x), _scipy_stats().rankdata(y))[0, 1]))
    lo, hi = _fisher_interval(r, n - 3, confidence)
    return Correlation(n, r, lo, hi, _t_p(r, n - 2))


def partial_spearman(
    x: np.ndarray, y: np.ndarray, strata: np.ndarray, *, confidence: float = CONFIDENCE
) -> Correlation:
    """The rank correlation of ``x`` and ``y`` within ``strata`` (see the module docstring):
    ranks over everyone, centred on each stratum's mean, correlated. A stratum of one person
    says nothing about within-position differences and is left out; ``n`` counts the people
    kept.
    """
    frame = pd.DataFrame({"x": x, "y": y, "s": strata}).dropna()
    size = frame.groupby("s")["x"].transform("size")
    frame = frame[size >= 2]
    n, k = len(frame), int(frame["s"].nunique())
    if n - k < 3:
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    rx = pd.Series(_scipy_stats().rankdata(frame["x"]), index=frame.index)
    ry = pd.Series(_scipy_stats().rankdata(frame["y"]), index=frame.index)
    cx = (rx - rx.groupby(frame["s"]).transform("mean")).to_numpy()
    cy = (ry - ry.groupby(frame["s"]).transform("mean")).to_numpy()
    if not (cx.any() and cy.any()):
        return Correlation(n, math.nan, math.nan, math.nan, math.nan)
    r = _exact(float(np.dot(cx, cy) / math.sqrt(np.dot(cx, cx) * np.dot(cy, cy))))
    lo, hi = _fisher_interval(r, n - 3 - (k - 1), confidence)
    return Correlation(n, r, lo, hi, _t_p(r, n - 2 - (k - 1)))


def difference(a: Correlation, b: Correlation) -> float:
    """Two-sided p of the test that two correlations of independent groups are equal:
    (atanh(rho_a) - atanh(rho_b)) / sqrt(se_a^2 + se_b^2), standard normal, each SE
    Bonett-Wright's sqrt((1 + rho^2 / 2) / (n - 3)) (nan when either is undefined).

    >>> round(difference(Correlation(50, 0.6, 0, 0, 0), Correlation(50, 0.0, 0, 0, 0)), 4)
    0.0013
    """
    if min(a.n, b.n) <= 3 or not (np.isfinite(a.rho) and np.isfinite(b.rho)):
        return math.nan
    if max(abs(a.rho), abs(b.rho)) >= 1.0:
        return 0.0 if a.rho != b.rho else 1.0
    se = math.sqrt((1 + a.rho**2 / 2) / (a.n - 3) + (1 + b.rho**2 / 2) / (b.n - 3))
    z = (math.atanh(a.rho) - math.atanh(b.rho)) / se
    return float(2.0 * _scipy_stats().norm.sf(abs(z)))


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of ``p`` (missing p stay missing and do not count).

    >>> benjamini_hochberg(np.array([0.01, 0.04, 0.03, np.nan])).round(3).tolist()
    [0.03, 0.04, 0.04, nan]
    """
    p = np.asarray(p, dtype=float)
    out = np.full(len(p), np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    m = len(ok)
    if not m:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    scaled = p[order] * m / np.arange(1, m + 1)
    q = np.minimum.accumulate(scaled[::-1])[::-1]
    out[order] = np.minimum(q, 1.0)
    return out


def reading(
    outcome: str, measure: str, c: Correlation, q: float, *, scope: str, alpha: float = 0.05
) -> str:
    """The plain sentence for one correlation: what it says, or why the data cannot tell."""
    what = MEASURES.get(measure, measure)
    where = {
        "all": "",
        "within": " among peers of the same department and level",
        "departments": " across departments",
        "teams": " across teams",
    }.get(scope, f" in {scope}")
    unit = "groups" if scope in ("departments", "teams") else "people"
    if c.n < MIN_PEOPLE or not np.isfinite(c.rho):
        return (
            f"The data cannot tell whether {outcome} goes with {what}{where}: "
            f"{c.n} {unit} with both figures (at least {MIN_PEOPLE} are needed)."
        )
    ci = f"rho {c.rho:+.2f}, 95% interval {c.ci_low:+.2f} to {c.ci_high:+.2f}, n = {c.n}"
    if c.ci_low <= 0.0 <= c.ci_high or not (np.isfinite(q) and q < alpha):
        return (
            f"The data cannot tell whether {outcome} goes with {what}{where} ({ci}; the "
            "interval spans zero or the link does not survive the false-discovery control)."
        )
    strength = "strongly" if abs(c.rho) >= 0.5 else "moderately" if abs(c.rho) >= 0.3 else "weakly"
    direction = "higher" if c.rho > 0 else "lower"
    return (
        f"People with more {NOUNS.get(measure, measure)} have {strength} {direction} "
        f"{outcome}{where} "
        f"({ci}, {words.q_words(q)}). A correlation, not proof that one causes the other."
    )


def links(
    table: pd.DataFrame,
    outcomes: list[str],
    *,
    measures: tuple[str, ...] = tuple(MEASURES),
    departments: list[str] | None = None,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Every outcome against every network measure, in three scopes: ``all`` (everyone),
    ``within`` (peers of the same department and level, :func:`partial_spearman`) and each
    department of ``departments`` (the caller passes only those the privacy gate shows);
    :func:`controlled` then adds the q-values and the readings.

    ``table`` has one row per person: the measures, ``department``, ``level`` and one column
    per outcome. Returns rows outcome, measure, scope, n, rho, ci_low, ci_high, p.
    """
    rows = []
    strata = table["department"].astype(str) + " / " + table["level"].astype(str)
    for outcome in outcomes:
        y = table[outcome].to_numpy(dtype=float)
        for measure in measures:
            if measure not in table:
                continue
            x = table[measure].to_numpy(dtype=float)
            found = [("all", spearman(x, y, confidence=confidence))]
            found.append(
                ("within", partial_spearman(x, y, strata.to_numpy(), confidence=confidence))
            )
            for dept in departments or []:
                mine = (table["department"] == dept).to_numpy()
                found.append((str(dept), spearman(x[mine], y[mine], confidence=confidence)))
            rows += [
                {"outcome": outcome, "measure": measure, "scope": scope, **c.__dict__}
                for scope, c in found
            ]
    return pd.DataFrame(
        rows, columns=["outcome", "measure", "scope", "n", "rho", "ci_low", "ci_high", "p"]
    )


def controlled(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` of correlations (outcome, measure, scope, n, rho, ci_low, ci_high, p) with
    ``q``, the Benjamini-Hochberg q over every row of at least :data:`MIN_PEOPLE` pairs (the
    family of tests the run reports), and each row's ``reading``."""
    out = rows.reset_index(drop=True).copy()
    readable = (out["n"] >= MIN_PEOPLE).to_numpy()
    out["q"] = np.nan
    out.loc[readable, "q"] = benjamini_hochberg(out.loc[readable, "p"].to_numpy())
    out["reading"] = [
        reading(
            r.outcome,
            r.measure,
            Correlation(int(r.n), r.rho, r.ci_low, r.ci_high, r.p),
            r.q,
            scope=r.scope,
        )
        for r in out.itertuples()
    ]
    return out


def deviants(
    table: pd.DataFrame,
    outcome: str,
    *,
    min_group_size: int,
    z: float = 2.0,
    lower_is_better: bool = False,
) -> pd.DataFrame:
    """Positive deviants by results on ``outcome``: people whose value is at least ``z``
    robust standard deviations better than the median of their peers (same ``department``
    and ``level``, at least ``min_group_size`` of them with the outcome).

    The robust standard deviation is 1.4826 x the peers' median absolute deviation (the
    standard deviation itself when that is 0; a group whose values are all equal has no
    deviant). Returns rows indexed by person: value, peer_median, z, peers; best first.
    """
    frame = table[["department", "level", outcome]].dropna()
    frame = frame.rename(columns={outcome: "value"})
    sign = -1.0 if lower_is_better else 1.0
    key = [frame["department"].astype(str), frame["level"].astype(str)]
    grouped = frame.groupby(key)["value"]
    med = grouped.transform("median")
    mad = (frame["value"] - med).abs().groupby(key).transform("median") * 1.4826
    sd = grouped.transform("std")
    scale = mad.where(mad > 0, sd)
    peers = grouped.transform("size")
    score = sign * (frame["value"] - med) / scale
    keep = (peers >= min_group_size) & (scale > 0) & (score >= z)
    out = pd.DataFrame(
        {
            "value": frame["value"],
            "peer_median": med,
            "z": score,
            "peers": peers.astype("int64"),
        }
    )[keep]
    return out.sort_values("z", ascending=False)
