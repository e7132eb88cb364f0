"""The one gate every group figure goes through (groundswell.privacy): no group below the
minimum size is shown, and none can be found by subtracting what is shown from a total.

The oracle for the two-way tables is a linear programme (scipy's HiGHS): the smallest and
largest values of a suppressed cell, given every shown cell, every row and column total and
that no cell is negative (suppressed cells may be empty: complementary suppression hides
empty cells too). A sensitive cell (1 to k - 1 people) is safe when that interval leaves the
sensitive range: down to 0 or up to k. The constraint matrix of a table with known margins
is totally unimodular, so the bounds are whole numbers of people and both are reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from groundswell import privacy
from groundswell.privacy import SUPPRESSED

group_sizes = st.dictionaries(
    st.text("abcdefgh", min_size=1, max_size=3), st.integers(0, 30), min_size=1, max_size=12
)


def _another_split(hidden: dict[str, int], group: str) -> dict[str, int] | None:
    """A different split of the suppressed groups' sum (each keeping at least one person)
    that changes ``group``'s size, or None when the sum pins it down."""
    for other, size in hidden.items():
        if other == group:
            continue
        if hidden[group] >= 2:
            return hidden | {group: hidden[group] - 1, other: size + 1}
        if size >= 2:
            return hidden | {group: hidden[group] + 1, other: size - 1}
    return None


@given(group_sizes, st.integers(1, 12))
def test_no_small_group_is_shown_or_found_by_subtraction(sizes: dict[str, int], k: int) -> None:
    hidden = privacy.suppressed_groups(sizes, k)
    shown = {g: n for g, n in sizes.items() if g not in hidden}
    assert all(n >= k for n in shown.values())  # nothing below the minimum is shown
    total = sum(sizes.values())
    positive = {g: n for g, n in sizes.items() if g in hidden and n > 0}
    # what subtraction from the total gives: the suppressed groups together, no more
    assert total - sum(shown.values()) == sum(positive.values())
    if total < k:
        assert not shown or total == 0
        return
    if not {g for g, n in shown.items() if n > 0}:
        return  # every group suppressed: nothing is shown but the total, everyone's figure
    for group, n in positive.items():
        if n < k:
            assert sum(positive.values()) >= k  # the merged group reaches the minimum
            alternative = _another_split(positive, group)
            assert alternative is not None, (sizes, k, hidden)
            assert sum(alternative.values()) == sum(positive.values())
            assert min(alternative.values()) >= 1


@given(group_sizes, st.integers(1, 12))
def test_groups_are_suppressed_only_when_needed(sizes: dict[str, int], k: int) -> None:
    hidden = privacy.suppressed_groups(sizes, k)
    if all(n == 0 or n >= k for n in sizes.values()):
        assert hidden == {g for g, n in sizes.items() if n == 0}
    # complementary suppression takes the smallest shown groups first
    extra = [sizes[g] for g in hidden if sizes[g] >= k]
    shown = [n for g, n in sizes.items() if g not in hidden]
    assert not extra or not shown or max(extra) <= min(shown)


def test_the_issue_s_examples() -> None:
    # one small department: the organisation total less the others would give it away
    assert privacy.suppressed_groups({"Legal": 3, "Eng": 40, "Sales": 12}, 5) == {
        "Legal",
        "Sales",
    }
    # two small departments of 1 and 3: merged, they are a group of 4, still too small
    assert privacy.suppressed_groups({"a": 1, "b": 3, "c": 6, "d": 9}, 5) == {"a", "b", "c"}
    # five one-person departments: merged they hold 5, yet each is known to hold 1
    ones = {f"d{i}": 1 for i in range(5)} | {"big": 20, "mid": 7}
    assert privacy.suppressed_groups(ones, 5) == {*(f"d{i}" for i in range(5)), "mid"}


@given(
    st.lists(st.sampled_from(["A", "B", "C", "D", "E", None]), min_size=0, max_size=60),
    st.integers(1, 8),
)
def test_person_labels_never_name_a_small_group(values: list[str | None], k: int) -> None:
    labels = privacy.gate_labels(pd.Series(values, dtype="object"), k)
    counts = labels.value_counts()
    if len(values) >= k:
        assert (counts >= k).all()  # the merged group too
    else:
        assert set(labels) <= {SUPPRESSED}
    # idempotent: the shown labels survive a second pass unchanged
    assert privacy.gate_labels(labels, k).tolist() == labels.tolist()
    kept = privacy.gate_labels(pd.Series(values, dtype="object"), k, keep=True)
    for v, lab, kv in zip(values, labels, kept, strict=True):
        assert kv == (SUPPRESSED if lab == SUPPRESSED else v) or (v is None and pd.isna(kv))


def _bounds(counts: np.ndarray, hidden: np.ndarray, cell: tuple[int, int]) -> tuple[int, int]:
    """Smallest and largest value of a suppressed cell given the shown cells, the margins
    and that no suppressed cell is negative."""
    cells = [tuple(x) for x in np.argwhere(hidden)]
    n = len(cells)
    rows, cols = counts.shape
    a_eq, b_eq = [], []
    for i in range(rows):
        a_eq.append([1.0 if c[0] == i else 0.0 for c in cells])
        b_eq.append(counts[i].sum() - counts[i][~hidden[i]].sum())
    for j in range(cols):
        a_eq.append([1.0 if c[1] == j else 0.0 for c in cells])
        b_eq.append(counts[:, j].sum() - counts[:, j][~hidden[:, j]].sum())
    target = np.zeros(n)
    target[cells.index(cell)] = 1.0
    lo = linprog(target, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * n, method="highs")
    hi = linprog(-target, A_eq=a_eq, b_eq=b_eq, bounds=[(0, None)] * n, method="highs")
    assert lo.status == 0 and hi.status == 0
    return round(lo.fun), round(-hi.fun)


tables = st.integers(1, 5).flatmap(
    lambda r: st.integers(1, 5).flatmap(
        lambda c: st.lists(
            st.lists(st.sampled_from([0, 0, 1, 1, 2, 3, 4, 5, 6, 9, 14]), min_size=c, max_size=c),
            min_size=r,
            max_size=r,
        )
    )
)


@settings(max_examples=120, deadline=None)
@given(tables, st.integers(2, 6))
def test_a_two_way_table_hides_each_small_cell_from_its_margins(
    rows: list[list[int]], k: int
) -> None:
    table = pd.DataFrame(
        rows,
        index=[f"r{i}" for i in range(len(rows))],
        columns=[f"c{j}" for j in range(len(rows[0]))],
    )
    out = privacy.gate_crosstab(table, k)
    assert int(np.nansum(out.to_numpy())) <= int(table.to_numpy().sum())
    # the margins shown after merging: every row and column is the minimum or more
    merged = privacy._merge_axis(privacy._merge_axis(table, k).T, k).T
    merged = merged.reindex(index=out.index, columns=out.columns)
    if table.to_numpy().sum() == 0:
        assert out.empty  # nobody: no row and no column
        return
    if out.attrs.get("withheld"):
        assert out.isna().all().all()
        return
    assert table.to_numpy().sum() >= k
    assert (merged.sum(axis=1) >= k).all() and (merged.sum(axis=0) >= k).all()
    values = merged.to_numpy()
    hidden = out.isna().to_numpy()
    shown = out.to_numpy()[~hidden]
    assert ((shown == 0) | (shown >= k)).all()  # no small cell is shown
    for r, c in np.argwhere(hidden & (values > 0) & (values < k)):
        lo, hi = _bounds(values, hidden, (int(r), int(c)))
        assert lo <= values[r, c] <= hi and lo < hi, (rows, k, out)
        assert lo == 0 or hi >= k, (rows, k, out, (r, c), lo, hi)  # out of the range 1..k-1
        # the gate's own interval (maximum flows) is the linear programme's
        assert privacy.feasible_range(values, hidden, int(r), int(c)) == (lo, min(hi, lo + 10**6))


def test_the_flow_of_the_issue() -> None:
    # the merged small departments' people by community were shown as 1, 2, 1
    flow = pd.DataFrame(
        {"c1": [8, 1, 0], "c2": [0, 2, 9], "c3": [6, 1, 7]}, index=["Eng", SUPPRESSED, "Ops"]
    )
    out = privacy.gate_crosstab(flow, 5)
    # Eng joins the merged row (together 4 people would be too few), whose 2 is hidden
    assert list(out.index) == ["Ops", SUPPRESSED] and np.isnan(out.loc[SUPPRESSED, "c2"])
    shown = out.to_numpy()[~out.isna().to_numpy()]
    assert ((shown == 0) | (shown >= 5)).all()
    hidden = out.isna().to_numpy()
    values = np.array([[0, 9, 7], [9, 2, 7]])
    assert _bounds(values, hidden, (1, 1))[0] == 0  # it could be empty


def test_a_block_diagonal_table_shows_its_blocks() -> None:
    """The demo's department x community flow: each department mostly in its own community,
    one person astray. Withheld entirely before empty cells could be suppressed; now only
    the stray person's cell and the cells that cover it are."""
    flow = pd.DataFrame(
        [[40, 0, 0, 0], [0, 30, 1, 0], [0, 0, 25, 0], [0, 0, 0, 50]],
        index=["Eng", "Ops", "Sales", "HR"],
        columns=["c1", "c2", "c3", "c4"],
    )
    out = privacy.gate_crosstab(flow, 5)
    assert not out.attrs.get("withheld")
    hidden = out.isna().to_numpy()
    assert hidden[1, 2] and hidden.sum() == 4  # the 1 and the three cells of one cycle
    # a cycle through it takes one other block (the smallest cost: two empty cells and
    # Eng's 40 against Sales' 25 and Ops' own 30); the other blocks are shown
    assert out.loc["Ops", "c2"] == 30 and out.loc["Sales", "c3"] == 25
    assert out.loc["HR", "c4"] == 50 and np.isnan(out.loc["Eng", "c1"])
    lo, hi = _bounds(flow.to_numpy(), hidden, (1, 2))
    assert lo == 0 or hi >= 5
