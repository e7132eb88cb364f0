"""The outcome statistics against their oracles: scipy.stats (Spearman's rho and p),
statsmodels (the t test of the rank slope given the strata, by OLS; Benjamini-Hochberg by
``multipletests``), the Bonett-Wright interval by hand and by its coverage in simulation,
and positive deviants on a table worked by hand."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.stats.multitest import multipletests

from groundswell import outcome_results
from groundswell.analysis import outcome_stats as o


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_spearman_matches_scipy_with_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 12, 60).astype(float)  # many ties
    y = x + rng.normal(0, 4, 60)
    x[3], y[7] = np.nan, np.nan  # a missing value drops its pair
    c = o.spearman(x, y)
    ok = ~(np.isnan(x) | np.isnan(y))
    want = stats.spearmanr(x[ok], y[ok])
    assert c.n == 58
    assert c.rho == pytest.approx(want.statistic, abs=1e-12)
    assert c.p == pytest.approx(want.pvalue, rel=1e-9)


def test_the_interval_is_fisher_z_with_the_bonett_wright_error_by_hand() -> None:
    x = np.arange(30.0)
    y = np.r_[x[:15][::-1], x[15:]]  # a known rho
    c = o.spearman(x, y)
    r = stats.spearmanr(x, y).statistic
    se = math.sqrt((1 + r * r / 2) / (30 - 3))
    assert c.ci_low == pytest.approx(math.tanh(math.atanh(r) - 1.959963984540054 * se))
    assert c.ci_high == pytest.approx(math.tanh(math.atanh(r) + 1.959963984540054 * se))
    assert c.ci_low < c.rho < c.ci_high


def test_the_interval_covers_the_true_rho_about_95_times_in_100() -> None:
    # bivariate normal with Pearson 0.5: Spearman's rho is 6/pi asin(0.5/2) (Pearson 1907)
    rng = np.random.default_rng(7)
    truth = 6 / math.pi * math.asin(0.25)
    cov = [[1, 0.5], [0.5, 1]]
    hits = 0
    reps = 400
    for _ in range(reps):
        xy = rng.multivariate_normal([0, 0], cov, 40)
        c = o.spearman(xy[:, 0], xy[:, 1])
        hits += c.ci_low <= truth <= c.ci_high
    assert 0.92 <= hits / reps <= 0.985  # Bonett-Wright: close to nominal at n = 40


def test_partial_rank_correlation_is_the_ols_t_test_of_the_rank_slope_given_the_strata() -> None:
    rng = np.random.default_rng(3)
    n = 90
    strata = rng.choice(["A/1", "A/2", "B/1", "B/2", "C/3"], n).astype(object)
    shift = pd.Series({"A/1": 0, "A/2": 5, "B/1": -3, "B/2": 2, "C/3": 8})[strata].to_numpy()
    x = shift + rng.normal(0, 1, n)
    y = shift + 0.4 * x + rng.normal(0, 1, n)
    strata[0] = "lonely"  # a stratum of one: left out
    c = o.partial_spearman(x, y, strata)
    keep = strata != "lonely"
    rx, ry = stats.rankdata(x[keep]), stats.rankdata(y[keep])
    dummies = pd.get_dummies(strata[keep], drop_first=True, dtype=float)
    design = sm.add_constant(np.column_stack([rx, dummies.to_numpy()]))
    fit = sm.OLS(ry, design).fit()
    t, df = fit.tvalues[1], fit.df_resid
    assert c.n == n - 1
    assert c.rho == pytest.approx(t / math.sqrt(t * t + df), abs=1e-10)
    assert c.p == pytest.approx(fit.pvalues[1], rel=1e-8)
    # the overall correlation is inflated by the strata; the within one is not
    assert o.spearman(x, y).rho > c.rho + 0.1


@pytest.mark.parametrize("seed", [0, 5])
def test_benjamini_hochberg_matches_statsmodels(seed: int) -> None:
    rng = np.random.default_rng(seed)
    p = np.r_[rng.uniform(0, 0.02, 5), rng.uniform(0, 1, 25)]
    p[4] = p[9]  # a tie
    q = o.benjamini_hochberg(p)
    assert np.allclose(q, multipletests(p, method="fdr_bh")[1])
    with_missing = np.r_[p[:3], np.nan]
    assert np.isnan(o.benjamini_hochberg(with_missing)[3])
    assert np.allclose(
        o.benjamini_hochberg(with_missing)[:3], multipletests(p[:3], method="fdr_bh")[1]
    )


def test_the_readings_say_plainly_when_the_data_cannot_tell() -> None:
    few = o.spearman(np.arange(6.0), np.arange(6.0))
    assert "cannot tell" in o.reading("sales", "betweenness", few, 0.0, scope="all")
    assert "6 people" in o.reading("sales", "betweenness", few, 0.0, scope="all")
    wide = o.Correlation(40, 0.2, -0.1, 0.47, 0.2)
    text = o.reading("sales", "betweenness", wide, 0.3, scope="Sales")
    assert "cannot tell" in text and "in Sales" in text and "n = 40" in text
    clear = o.Correlation(120, 0.55, 0.4, 0.67, 1e-9)
    text = o.reading("sales", "betweenness", clear, 1e-8, scope="within")
    assert "strongly higher sales" in text and "same department and level" in text
    assert "not proof" in text
    # significant before the control, not after it: cannot tell
    assert "cannot tell" in o.reading("sales", "pagerank", clear, 0.2, scope="all")


def test_controlled_counts_only_readable_rows_in_the_family() -> None:
    rows = pd.DataFrame(
        {
            "outcome": ["s"] * 3,
            "measure": ["betweenness", "pagerank", "in_degree"],
            "scope": ["all", "all", "Tiny"],
            "n": [50, 50, 4],
            "rho": [0.5, 0.1, 0.9],
            "ci_low": [0.3, -0.2, -0.5],
            "ci_high": [0.7, 0.4, 1.0],
            "p": [0.001, 0.4, 0.01],
        }
    )
    out = o.controlled(rows)
    assert np.allclose(out["q"][:2], multipletests([0.001, 0.4], method="fdr_bh")[1])
    assert np.isnan(out["q"][2]) and "cannot tell" in out["reading"][2]


def test_positive_deviants_beat_their_peers_by_the_stated_rule() -> None:
    # peers A/2: 10, 11, 12, 13, 14, 30 -> median 12.5, MAD 1.5, robust sd 2.2239
    table = pd.DataFrame(
        {
            "department": ["A"] * 6 + ["B"] * 4,
            "level": [2] * 6 + [2] * 4,
            "sales": [10, 11, 12, 13, 14, 30, 1, 2, 3, 100],
        },
        index=[f"p{i}" for i in range(10)],
    )
    found = o.deviants(table, "sales", min_group_size=5)
    assert list(found.index) == ["p5"]  # B has 4 peers: below the minimum group size
    assert found.loc["p5", "z"] == pytest.approx((30 - 12.5) / (1.4826 * 1.5))
    assert found.loc["p5", "peers"] == 6 and found.loc["p5", "peer_median"] == 12.5
    lower = table.assign(sales=[10, 11, 12, 13, 14, -9, 1, 2, 3, 100])
    assert list(o.deviants(lower, "sales", min_group_size=5, lower_is_better=True).index) == ["p5"]
    flat = table.assign(sales=[5.0] * 10)
    assert o.deviants(flat, "sales", min_group_size=5).empty


def test_the_views_name_the_measures_as_the_analysis_does() -> None:
    assert outcome_results.MEASURE_WORDS == o.MEASURES


def test_the_difference_of_two_correlations_by_hand_and_under_the_null() -> None:
    a, b = o.Correlation(40, 0.5, 0, 0, 0), o.Correlation(60, 0.1, 0, 0, 0)
    se = math.sqrt((1 + 0.25 / 2) / 37 + (1 + 0.01 / 2) / 57)
    z = (math.atanh(0.5) - math.atanh(0.1)) / se
    assert o.difference(a, b) == pytest.approx(2 * stats.norm.sf(z))
    assert o.difference(a, a) == pytest.approx(1.0)
    assert math.isnan(o.difference(a, o.Correlation(3, 0.1, 0, 0, 0)))
    # two groups from the same population: the test rejects about 5 times in 100
    rng = np.random.default_rng(11)
    cov = [[1, 0.4], [0.4, 1]]
    rejected = 0
    for _ in range(300):
        one, two = (
            rng.multivariate_normal([0, 0], cov, 35),
            rng.multivariate_normal([0, 0], cov, 50),
        )
        p = o.difference(o.spearman(*one.T), o.spearman(*two.T))
        rejected += p < 0.05
    assert rejected / 300 < 0.09


def test_the_readings_of_an_outcome_linked_to_nothing_say_so() -> None:
    from groundswell.outcome_links import readings

    rows = pd.DataFrame(
        {
            "outcome": ["engagement", "engagement", "sales", "sales"],
            "measure": ["betweenness", "pagerank", "betweenness", "betweenness"],
            "scope": ["teams", "teams", "all", "Sales"],
            "n": [34, 34, 148, 58],
            "rho": [-0.1, -0.3, 0.37, 0.89],
            "ci_low": [-0.4, -0.6, 0.2, 0.8],
            "ci_high": [0.2, 0.02, 0.5, 0.94],
            "p": [0.5, 0.05, 1e-5, 1e-20],
        }
    )
    lines = readings(o.controlled(rows), pd.DataFrame(columns=["outcome"]))
    assert lines[0].startswith("Engagement: the data cannot tell") and "2 comparisons" in lines[0]
    assert all(line != "nan" for line in lines) and len(lines) == 3
    assert lines[1].startswith("People with more brokerage have strongly higher sales in Sales")


def test_a_q_below_a_thousandth_is_said_as_such_never_as_zero() -> None:
    """The demo's readings said "q = 0.000"; a reader takes that for an exact zero."""
    from groundswell.words import q_words

    assert q_words(0.0) == "q < 0.001"
    assert q_words(0.00049) == "q < 0.001"
    assert q_words(0.0123) == "q = 0.012"
    assert q_words(float("nan")) == "q not computed"
