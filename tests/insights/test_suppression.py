"""Small counts are never shown and can't be worked out from what is shown.

The attacker here is independent of the suppression code: it knows every shown figure,
the table's structure (cells add up to row totals, column totals, the grand total; two
tables or partitions of one population share their totals) and that counts are whole
numbers ≥ 0, and it searches every alternative table that differs by at most one in each
hidden cell. By conformal decomposition of the difference of two tables into simple
cycles, if any other table fits what is shown with a hidden count changed, one such
±1 alternative does; so the search is exhaustive for "can this count be pinned down".

The property: every shown figure is 5 or more, and every hidden count under 5 could be
one more and one less than it is (a hidden 0 could be 1, for counts of people).
"""

from __future__ import annotations

import itertools
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from insights.suppression import (
    THRESHOLD,
    Partition,
    Table,
    protect_partitions,
    protect_tables,
    single,
)

small_count = st.one_of(st.integers(0, 4), st.integers(5, 14))


@st.composite
def tables(draw, max_rows=3, max_cols=3, prefix="a", cols=None):
    n_rows = draw(st.integers(1, max_rows))
    if cols is None:
        cols = [(c, f"K{c}") for c in range(draw(st.integers(1, max_cols)))]
    rows = [(r, f"R{r}") for r in range(n_rows)]
    counts = {(r, c): draw(small_count) for r, _ in rows for c, _ in cols}
    return Table(title="t", row_labels=rows, col_labels=cols, counts=counts, prefix=prefix)


# --------------------------------------------------------------------------------------
# The independent attacker
# --------------------------------------------------------------------------------------


def _row_deltas(true_cells, hidden_mask, row_total_shown):
    """Every ±1/0 change of one row's hidden cells that keeps counts ≥ 0 (and keeps the
    row total when it is shown)."""
    options = [(-1, 0, 1) if hidden else (0,) for hidden in hidden_mask]
    for delta in itertools.product(*options):
        if any(v + d < 0 for v, d in zip(true_cells, delta, strict=True)):
            continue
        row_delta = sum(delta)
        if row_total_shown and row_delta != 0:
            continue
        if sum(true_cells) + row_delta < 0:
            continue
        yield delta


def _table_alternatives(table, published):
    """(cell deltas, row total deltas, column total deltas) of every alternative table
    a reader can't tell apart from the published one, one table at a time."""
    cols = [c for c, _ in table.col_labels]
    per_row = []
    for (r, _label, cells, row_total), _ in zip(published.rows, table.row_labels, strict=True):
        true_cells = [table.counts[(r, c)] for c in cols]
        mask = [f.hidden for f in cells]
        per_row.append(list(_row_deltas(true_cells, mask, not row_total.hidden)))
    for combo in itertools.product(*per_row):
        col_deltas = tuple(sum(row[i] for row in combo) for i in range(len(cols)))
        ok = True
        for i, c in enumerate(cols):
            if table.col_total(c) + col_deltas[i] < 0:
                ok = False
        if ok:
            yield combo, col_deltas


def _attack_tables(tbls, published):
    """For each hidden figure: the set of deltas a reader can't rule out."""
    seen = defaultdict(set)
    grand_shown = not published[0].total.hidden
    col_shown = [not f.hidden for f in published[0].col_totals]
    for pt in published[1:]:
        assert [not f.hidden for f in pt.col_totals] == col_shown, "shared totals must be shown alike"
        assert pt.total.hidden != grand_shown
    alternatives = [defaultdict(list) for _ in tbls]
    for k, (table, pt) in enumerate(zip(tbls, published, strict=True)):
        for combo, col_deltas in _table_alternatives(table, pt):
            alternatives[k][col_deltas].append(combo)
    keys = set(alternatives[0])
    for more in alternatives[1:]:
        keys &= set(more)
    for col_deltas in keys:
        if any(shown and d != 0 for shown, d in zip(col_shown, col_deltas, strict=True)):
            continue
        grand_delta = sum(col_deltas)
        if grand_shown and grand_delta != 0:
            continue
        seen["grand"].add(grand_delta)
        for i, d in enumerate(col_deltas):
            seen[("col", i)].add(d)
        for k in range(len(tbls)):
            for combo in alternatives[k][col_deltas]:
                for ri, row in enumerate(combo):
                    seen[(k, "row", ri)].add(sum(row))
                    for ci, d in enumerate(row):
                        seen[(k, "cell", ri, ci)].add(d)
    return seen


def _assert_safe(value, hidden, deltas, name, protect_zeros=True):
    if not hidden:
        assert value >= THRESHOLD, f"{name}: shown count {value} is under {THRESHOLD}"
        return
    if value >= THRESHOLD:
        return  # hidden only to protect a small count: its own value is not sensitive
    if value == 0 and not protect_zeros:
        return  # counts of events: a hidden 0 may be recognisable as 0
    assert 1 in deltas, f"{name}: a reader knows the hidden {value} can't be larger"
    if value > 0:
        assert -1 in deltas, f"{name}: a reader knows the hidden {value} can't be smaller"


def _check_tables(tbls, protect_zeros=False):
    published = protect_tables(tbls, protect_zeros=protect_zeros)
    seen = _attack_tables(tbls, published)
    for k, (table, pt) in enumerate(zip(tbls, published, strict=True)):
        for ri, (r, _label, cells, row_total) in enumerate(pt.rows):
            _assert_safe(table.row_total(r), row_total.hidden, seen[(k, "row", ri)], f"row {r}", protect_zeros)
            for ci, ((c, _l), fig) in enumerate(zip(table.col_labels, cells, strict=True)):
                _assert_safe(
                    table.counts[(r, c)], fig.hidden, seen[(k, "cell", ri, ci)], f"cell {r},{c}", protect_zeros
                )
                if not fig.hidden:
                    assert fig.value == table.counts[(r, c)]
        for ci, ((c, _l), fig) in enumerate(zip(table.col_labels, pt.col_totals, strict=True)):
            _assert_safe(table.col_total(c), fig.hidden, seen[("col", ci)], f"column {c}", protect_zeros)
        _assert_safe(table.total, pt.total.hidden, seen["grand"], "grand total", protect_zeros)


# --------------------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(tables(), st.booleans())
def test_no_hidden_cell_or_total_of_a_table_can_be_worked_out(table, protect_zeros):
    _check_tables([table], protect_zeros)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_two_tables_sharing_their_column_totals_leak_nothing(data):
    cols = [(c, f"K{c}") for c in range(data.draw(st.integers(1, 3)))]
    first = data.draw(tables(max_rows=2, prefix="a", cols=cols))
    # The second table divides the same column flows differently.
    second_rows = data.draw(st.integers(1, 2))
    counts = {}
    for c, _ in cols:
        total = first.col_total(c)
        cut = data.draw(st.integers(0, total)) if second_rows == 2 else total
        counts[(0, c)] = cut
        if second_rows == 2:
            counts[(1, c)] = total - cut
    second = Table("u", [(r, f"S{r}") for r in range(second_rows)], cols, counts, prefix="b")
    _check_tables([first, second], data.draw(st.booleans()))


@settings(max_examples=150, deadline=None)
@given(st.data())
def test_partitions_of_one_population_leak_nothing(data):
    n_parts = data.draw(st.integers(1, 3))
    total = data.draw(st.integers(0, 30))
    partitions = []
    for k in range(n_parts):
        n_groups = data.draw(st.integers(1, 4))
        cuts = sorted(data.draw(st.lists(st.integers(0, total), min_size=n_groups - 1, max_size=n_groups - 1)))
        sizes = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        partitions.append(Partition(f"p{k}", "", [(g, "", n) for g, n in enumerate(sizes)]))
    shown_total, published = protect_partitions(total, partitions)

    # The attacker: per partition, every ±1 change of hidden groups, grouped by how it
    # changes the shared total (which must be 0 when the total is shown).
    by_total = []
    for p, pp in zip(partitions, published, strict=True):
        options = [(-1, 0, 1) if fig.hidden else (0,) for _g, _l, fig in pp.groups]
        found = defaultdict(list)
        for delta in itertools.product(*options):
            if any(n + d < 0 for (_g, _l, n), d in zip(p.groups, delta, strict=True)):
                continue
            found[sum(delta)].append(delta)
        by_total.append(found)
    possible = set.intersection(*(set(f) for f in by_total))
    if not shown_total.hidden:
        possible &= {0}
    _assert_safe(total, shown_total.hidden, possible, "total")
    for p, pp, found in zip(partitions, published, by_total, strict=True):
        for gi, (_g, _l, n) in enumerate(p.groups):
            deltas = {delta[gi] for t in possible for delta in found[t]}
            _assert_safe(n, pp.groups[gi][2].hidden, deltas, f"{p.key}[{gi}]")


@given(st.integers(0, 50))
def test_a_single_count_is_hidden_under_five(n):
    assert single(n).hidden == (n < THRESHOLD)


def test_a_sparse_table_of_events_keeps_its_figures():
    """Zeros among counts of events need no company: four shown cells stay shown."""
    cols = [(q, f"Kv {q}") for q in (1, 2, 3, 4)]
    counts = {("a", 1): 9, ("a", 2): 8, ("b", 1): 7, ("b", 2): 6}
    table = Table("t", [("a", "A"), ("b", "B"), ("c", "C")], cols, counts)
    (published,) = protect_tables([table])
    assert [str(f) for f in published.rows[0][2]] == ["9", "8", "..", ".."]
    assert str(published.total) == "30"


def test_example_row_total_would_give_the_small_cell_away():
    table = Table(
        "t",
        [("a", "A"), ("b", "B")],
        [(1, "Q1"), (2, "Q2")],
        {("a", 1): 3, ("a", 2): 9, ("b", 1): 8, ("b", 2): 7},
    )
    (published,) = protect_tables([table])
    a_cells = published.rows[0][2]
    assert a_cells[0].hidden
    # Row total 12 and column total 11 are shown, so the 3 needs company in both lines.
    assert a_cells[1].hidden
    assert published.rows[1][2][0].hidden
    assert str(a_cells[0]) == ".."
