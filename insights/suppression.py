"""Small-count suppression with complementary suppression, for every published figure.

DESIGN rules 13–14: a count under `THRESHOLD` is never shown, and no shown figure may
let a reader work one out — not from a row or column total, not from a grand total,
not from two tables that share a total.

Every report is modelled as a *circulation*: a directed graph whose edges carry the
counts (cells, row totals, column totals, the grand total) and in which what flows into
a node flows out of it. A two-way table with margins is one (source → row → column →
sink → source); several partitions of the same population that share their total are
one (a chain of layers closed by the total edge). Because every such report is a
circulation, a reader who knows the shown edges and that counts are whole numbers ≥ 0
can change a hidden edge by ±1 exactly when there is a cycle through it in the residual
graph of hidden edges — so whether a hidden count can be worked out is a reachability
question, answered exactly and cheaply.

`protect()` hides every count under the threshold (0 included), then hides more along the
cheapest cycles until every small count (1–4) could be one more *and* one less than it
is, given everything shown — and, for counts of people, every hidden 0 could be 1 (so
a reader can't tell that *everyone* in a group shares an answer). A count of 5 or more
hidden only as company needs no protection of its own. Hiding everything always
satisfies all this, so the loop ends. Pure functions, no database;
tests/insights/test_suppression.py attacks the result with an independent exhaustive
search.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

THRESHOLD = 5

# Which edges to give up first when a hidden count needs company: cells before totals.
CELL = 0
MARGIN = 1
TOTAL = 2


@dataclass(frozen=True)
class Edge:
    """One published count: `value` flows from node `tail` to node `head`."""

    tail: Hashable
    head: Hashable
    value: int
    key: Hashable
    rank: int = CELL


@dataclass
class Network:
    edges: list[Edge] = field(default_factory=list)

    def add(self, tail: Hashable, head: Hashable, value: int, key: Hashable, rank: int = CELL) -> None:
        if value < 0:
            raise ValueError("counts are never negative")
        self.edges.append(Edge(tail, head, int(value), key, rank))

    def check_balanced(self) -> None:
        """Every node's inflow equals its outflow (a programming error otherwise)."""
        balance: dict[Hashable, int] = defaultdict(int)
        for edge in self.edges:
            balance[edge.tail] -= edge.value
            balance[edge.head] += edge.value
        unbalanced = {node: b for node, b in balance.items() if b}
        if unbalanced:
            raise ValueError(f"not a circulation: {unbalanced}")


def _reachable(edges: Sequence[Edge], hidden: set[int], skip: int, start: Hashable, goal: Hashable) -> bool:
    """Is `goal` reachable from `start` in the residual graph of hidden edges, without edge
    `skip`? Forward arcs always exist (a hidden count may be larger); backward arcs only
    where the count is at least 1 (it may be smaller)."""
    adjacency: dict[Hashable, list[Hashable]] = defaultdict(list)
    for index in hidden:
        if index == skip:
            continue
        edge = edges[index]
        adjacency[edge.tail].append(edge.head)
        if edge.value >= 1:
            adjacency[edge.head].append(edge.tail)
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return True
        for nxt in adjacency[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


def can_change(edges: Sequence[Edge], hidden: set[int], index: int) -> tuple[bool, bool]:
    """(could be one more, could be one less) for hidden edge `index`, given the rest."""
    edge = edges[index]
    # One more on this edge needs one more unit back from its head to its tail.
    up = _reachable(edges, hidden, index, edge.head, edge.tail)
    down = edge.value >= 1 and _reachable(edges, hidden, index, edge.tail, edge.head)
    return up, down


def is_protected(
    edges: Sequence[Edge], hidden: set[int], index: int, *, threshold: int = THRESHOLD, protect_zeros: bool = True
) -> bool:
    """A hidden small count is protected when a reader can't pin it down from what is
    shown: it could be one more, and (unless it is 0) one less."""
    if not _sensitive(edges[index], threshold, protect_zeros):
        return True
    up, down = can_change(edges, hidden, index)
    return up and (down or edges[index].value == 0)


def protect(
    network: Network,
    *,
    threshold: int = THRESHOLD,
    also_hide: Iterable[Hashable] = (),
    protect_zeros: bool = True,
) -> set[Hashable]:
    """The keys of the edges to hide. Every edge under `threshold` is hidden (0 included),
    and enough others that no small count (1 to threshold - 1) can be worked out: each
    could be one more and one less, given what is shown (see the module docstring).

    `protect_zeros`: a hidden 0 must also be able to be 1. Counts of people need this (a
    derivable 0 can tell that *everyone* in a group shares an attribute); counts of
    events, such as recorded gaps, do not, and would otherwise hide nearly every figure
    of a sparse table.

    A hidden count that a reader could pin down from one side gets company along the
    cheapest cycle that frees it (Dijkstra over the network; a shown count costs its
    value, totals cost more than cells, already hidden counts cost nothing). Hiding
    more never takes a residual arc away, so the loop only grows the hidden set and ends.
    """
    network.check_balanced()
    edges = network.edges
    forced = set(also_hide)
    hidden = {i for i, e in enumerate(edges) if e.value < threshold or e.key in forced}
    while True:
        added: set[int] = set()
        for index in sorted(hidden):
            edge = edges[index]
            if not _sensitive(edge, threshold, protect_zeros):
                continue
            up, down = can_change(edges, hidden | added, index)
            if not up:
                added |= _cheapest_path(edges, hidden | added, index, edge.head, edge.tail)
            if edge.value >= 1 and not down:
                added |= _cheapest_path(edges, hidden | added, index, edge.tail, edge.head)
        added -= hidden
        if not added:
            break
        hidden |= added
    return {edges[i].key for i in hidden}


_RANK_COST = 10_000


def _sensitive(edge: Edge, threshold: int, protect_zeros: bool) -> bool:
    """Counts that must not be worked out: those under the threshold (0 only for counts
    of people). A count of 5 or more hidden to protect another needs no protection of
    its own: the small counts' own checks already take every constraint into account."""
    if edge.value >= threshold:
        return False
    return edge.value > 0 or protect_zeros


def _cheapest_path(edges: Sequence[Edge], hidden: set[int], skip: int, start: Hashable, goal: Hashable) -> set[int]:
    """The shown edges to hide so that `goal` becomes reachable from `start` in the
    residual graph without edge `skip` (forward along any edge, backward along an edge
    whose count is at least 1)."""
    adjacency: dict[Hashable, list[tuple[Hashable, int]]] = defaultdict(list)
    for index, edge in enumerate(edges):
        if index == skip:
            continue
        adjacency[edge.tail].append((edge.head, index))
        if edge.value >= 1:
            adjacency[edge.head].append((edge.tail, index))

    def cost(index: int) -> int:
        if index in hidden:
            return 0
        return 1 + edges[index].value + edges[index].rank * _RANK_COST

    best: dict[Hashable, int] = {start: 0}
    via: dict[Hashable, tuple[Hashable, int]] = {}
    heap: list[tuple[int, int, Hashable]] = [(0, 0, start)]
    counter = 1
    while heap:
        dist, _n, node = heapq.heappop(heap)
        if node == goal:
            break
        if dist > best.get(node, dist):
            continue
        for nxt, index in adjacency[node]:
            candidate = dist + cost(index)
            if candidate < best.get(nxt, candidate + 1):
                best[nxt] = candidate
                via[nxt] = (node, index)
                heapq.heappush(heap, (candidate, counter, nxt))
                counter += 1
    if goal not in best:  # pragma: no cover - a circulation always has the cycle
        return set(range(len(edges))) - {skip}
    path: set[int] = set()
    node = goal
    while node != start:
        node, index = via[node]
        if index not in hidden:
            path.add(index)
    return path


# --------------------------------------------------------------------------------------
# Published shapes built on the network
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """A count as published: `value` is None when it is hidden."""

    value: int | None

    @property
    def hidden(self) -> bool:
        return self.value is None

    def __str__(self) -> str:
        return ".." if self.value is None else str(self.value)


@dataclass
class Table:
    """A two-way table (rows × columns) with row totals, column totals and a grand total."""

    title: str
    row_labels: Sequence[tuple[Hashable, str]]
    col_labels: Sequence[tuple[Hashable, str]]
    counts: dict[tuple[Hashable, Hashable], int]
    prefix: str = "t"

    def row_total(self, row: Hashable) -> int:
        return sum(self.counts.get((row, c), 0) for c, _label in self.col_labels)

    def col_total(self, col: Hashable) -> int:
        return sum(self.counts.get((r, col), 0) for r, _label in self.row_labels)

    @property
    def total(self) -> int:
        return sum(self.counts.get((r, c), 0) for r, _l in self.row_labels for c, _m in self.col_labels)


@dataclass
class PublishedTable:
    title: str
    col_labels: Sequence[tuple[Hashable, str]]
    rows: list[tuple[Hashable, str, list[Figure], Figure]]
    col_totals: list[Figure]
    total: Figure


def _publish(table: Table, hidden: set[Hashable], p: str) -> PublishedTable:
    def fig(key: Hashable, value: int) -> Figure:
        return Figure(None if key in hidden else value)

    rows = []
    for r, label in table.row_labels:
        cells = [fig((p, "cell", r, c), table.counts.get((r, c), 0)) for c, _m in table.col_labels]
        rows.append((r, label, cells, fig((p, "row", r), table.row_total(r))))
    col_totals = [fig(("col", c), table.col_total(c)) for c, _m in table.col_labels]
    return PublishedTable(
        title=table.title,
        col_labels=table.col_labels,
        rows=rows,
        col_totals=col_totals,
        total=fig(("grand",), table.total),
    )


def protect_tables(
    tables: Sequence[Table], *, threshold: int = THRESHOLD, protect_zeros: bool = False
) -> list[PublishedTable]:
    """Protect one two-way table, or two tables of the same population that share their
    columns (and so their column totals and grand total) — e.g. gaps per category ×
    quarter and per service × quarter. Returns each table as published.

    The network: source → (row totals of table A) → row of A → (cells of A) → column →
    (column totals) → column' → (cells of B) → row of B → (row totals of B) → sink →
    (grand total) → source. With one table the column totals run straight to the sink.
    """
    if not tables:
        return []
    if len(tables) > 2:
        raise ValueError("at most two tables can share their columns")
    first = tables[0]
    cols = first.col_labels
    for other in tables[1:]:
        if other.col_labels != cols or any(other.col_total(c) != first.col_total(c) for c, _m in cols):
            raise ValueError("tables must share their columns and column totals")
    net = Network()
    src, sink = ("src",), ("sink",)
    for r, _label in first.row_labels:
        net.add(src, ("a", r), first.row_total(r), (first.prefix, "row", r), MARGIN)
        for c, _m in cols:
            net.add(("a", r), ("col", c), first.counts.get((r, c), 0), (first.prefix, "cell", r, c))
    if len(tables) == 1:
        for c, _m in cols:
            net.add(("col", c), sink, first.col_total(c), ("col", c), MARGIN)
    else:
        second = tables[1]
        for c, _m in cols:
            net.add(("col", c), ("col2", c), first.col_total(c), ("col", c), MARGIN)
        for r, _label in second.row_labels:
            for c, _m in cols:
                net.add(("col2", c), ("b", r), second.counts.get((r, c), 0), (second.prefix, "cell", r, c))
            net.add(("b", r), sink, second.row_total(r), (second.prefix, "row", r), MARGIN)
    net.add(sink, src, first.total, ("grand",), TOTAL)
    hidden = protect(net, threshold=threshold, protect_zeros=protect_zeros)
    return [_publish(t, hidden, t.prefix) for t in tables]


@dataclass
class Partition:
    """One way of dividing a population into groups (e.g. closed collaborations by
    reason); all partitions of one population share its total."""

    key: str
    title: str
    groups: Sequence[tuple[Hashable, str, int]]

    @property
    def total(self) -> int:
        return sum(n for _k, _l, n in self.groups)


@dataclass
class PublishedPartition:
    key: str
    title: str
    groups: list[tuple[Hashable, str, Figure]]
    total: Figure


def protect_partitions(
    total: int, partitions: Sequence[Partition], *, threshold: int = THRESHOLD, protect_zeros: bool = True
) -> tuple[Figure, list[PublishedPartition]]:
    """Protect several partitions of one population of `total` members, published
    together with the total. The network is a ring: node 0 → (groups of partition 0) →
    node 1 → … → node k → (the total) → node 0."""
    for partition in partitions:
        if partition.total != total:
            raise ValueError(f"partition {partition.key} sums to {partition.total}, not {total}")
    net = Network()
    for k, partition in enumerate(partitions):
        for group, _label, n in partition.groups:
            net.add(("n", k), ("n", k + 1), n, (partition.key, group))
    net.add(("n", len(partitions)), ("n", 0), total, ("total",), TOTAL)
    hidden = protect(net, threshold=threshold, protect_zeros=protect_zeros)
    published = [
        PublishedPartition(
            key=p.key,
            title=p.title,
            groups=[(g, label, Figure(None if (p.key, g) in hidden else n)) for g, label, n in p.groups],
            total=Figure(None if ("total",) in hidden else total),
        )
        for p in partitions
    ]
    return Figure(None if ("total",) in hidden else total), published


def single(value: int, *, threshold: int = THRESHOLD) -> Figure:
    """A count published on its own (no table to derive it from)."""
    return Figure(None if value < threshold else value)
