"""Where values are defined and used, and *when* a use reads: the facts memory planning
and loop parallelisation share.

A graph is SSA with regions, so a value is defined in exactly one region (as a node
output or a region parameter) and can only be used there or in regions nested inside
it. `DataflowIndex(graph)` records, once per graph:

- the region defining each value, and for region parameters the node owning the region;
- every use of every value: a node input (node, operand position) or a region result
  (region, result position);
- each node's position in its region.

The one subtle fact is *when* a use reads. The CPU code generator fuses an elementwise
node whose result has one consumer into that consumer's loop
(`codegen.cpu_analysis.fused_values`), so the node's operands are read where the consumer runs, not where the
node stands. `read_position(use, region)` therefore places a read by an elementwise node
at the latest point its chain of elementwise/reduction consumers in the same region
could reach: a superset of what the code generator fuses, so an analysis that asks
"is every read of x over before position n?" stays true whatever it fuses. A use
inside a nested region reads while its ancestor node in `region` runs, at that node's
position; a region result reads at the end (`len(region.nodes)`).
"""

from __future__ import annotations

from dataclasses import dataclass

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import ELEMENTWISE, REDUCTION

# Consumers into which the code generator may fuse an elementwise producer.
FUSING_CONSUMERS = ELEMENTWISE | REDUCTION


@dataclass(frozen=True)
class Use:
    """One use of a value: operand `position` of `node`, or result `position` of
    `region` when `node` is None. `region` is where the use stands."""
    node: Node | None
    position: int
    region: Region

    @property
    def is_result(self) -> bool:
        return self.node is None


class DataflowIndex:
    """Definitions, uses and positions of one graph (read-only; build a new one after
    the graph changes)."""

    def __init__(self, graph: Graph):
        self.graph = graph
        self.defining_region: dict[Value, Region] = {}
        self.param_owner: dict[Value, tuple[Node | None, Region, int]] = {}
        self.uses: dict[Value, list[Use]] = {}
        self.position: dict[Node, int] = {}
        self.region_of: dict[Node, Region] = {}
        self.parent: dict[Region, Node | None] = {graph.body: None}
        self._latest: dict[Node, int] = {}
        self._visit(graph.body, None)

    def _visit(self, region: Region, owner: Node | None) -> None:
        for i, p in enumerate(region.params):
            self.defining_region[p] = region
            self.param_owner[p] = (owner, region, i)
        for position, node in enumerate(region.nodes):
            self.position[node] = position
            self.region_of[node] = region
            for k, v in enumerate(node.inputs):
                self.uses.setdefault(v, []).append(Use(node, k, region))
            for sub in node.regions:
                self.parent[sub] = node
                self._visit(sub, node)
            for v in node.outputs:
                self.defining_region[v] = region
        for k, v in enumerate(region.results):
            self.uses.setdefault(v, []).append(Use(None, k, region))

    # -- queries

    def uses_of(self, value: Value) -> list[Use]:
        return self.uses.get(value, [])

    def anchor(self, use: Use, region: Region) -> Node | None:
        """The node of `region` during which `use` happens (None: a result of `region`)."""
        if use.node is None and use.region is region:
            return None
        node = use.node if use.region is region else None
        r = use.region
        while node is None:
            owner = self.parent.get(r)
            if owner is None:
                raise ValueError("use is not inside the region")
            if self.region_of[owner] is region:
                node = owner
            r = self.region_of[owner]
        return node

    def read_position(self, use: Use, region: Region) -> int:
        """When `use` reads, as a position in `region` (see the module docstring)."""
        node = self.anchor(use, region)
        if node is None:
            return len(region.nodes)
        if use.region is region and node.op in ELEMENTWISE:
            return self.latest_read(node)
        return self.position[node]

    def latest_read(self, node: Node) -> int:
        """The latest position at which elementwise `node` may be computed: its own,
        or (fused) that of an elementwise/reduction consumer in its region."""
        cached = self._latest.get(node)
        if cached is not None:
            return cached
        region = self.region_of[node]
        latest = self.position[node]
        for out in node.outputs:
            for use in self.uses_of(out):
                user = use.node
                if user is None or use.region is not region or user.op not in FUSING_CONSUMERS:
                    continue
                latest = max(latest, self.latest_read(user) if user.op in ELEMENTWISE
                             else self.position[user])
        self._latest[node] = latest
        return latest

    def loop_of_param(self, value: Value) -> tuple[Node, Region, int] | None:
        """(loop or cond node, its region, parameter index) for a region parameter of a
        node's region; None for graph inputs and node outputs."""
        owner = self.param_owner.get(value)
        if owner is None or owner[0] is None:
            return None
        return owner  # type: ignore[return-value]
