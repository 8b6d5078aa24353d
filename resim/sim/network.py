"""The value chain compiled into index arrays, the form the daily model computes on.

A *stock point* (SKU) is a part held at a node: every inventory entry, and every part a node makes.
An *arc* is one part on one lane: from the source's stock point either to the destination's stock
point (a replenishment arc) or to a market's demand (a customer arc). A *production row* is one
part made at one node, with its bill of materials as a sparse matrix over stock points.

Costs follow the focal firm (its plants, DCs, reman centres and markets): suppliers' own costs are
in their prices, so procurement is charged when a supplier ships to a focal node, at the part's
unit cost; transport on lanes into focal nodes; holding on focal stock.

Nodes and lanes may be added while a model runs; indices of existing entries never change. The
replications of a batch share one network: what one of them adds is appended for all (and stays
closed in the others), and each sees it through its own names (:class:`RowNetwork`), so that two
replications may add entries of the same name, each its own. A replication adding an entry equal
to one another replication added (the same provider, agreed on the same terms) holds that one
instead, when every column it would write is the same and its own entries stay in the order it
added them (:meth:`Network.shared_node`, :meth:`Network.shared_lane`): a batch then grows by the
different providers its replications use, not by one set per replication.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from resim.scenario.format.chain import BaseStock, Lane, MinMax, Node, Periodic, ReorderPoint
from resim.scenario import Scenario

__all__ = ["Network", "RowNetwork", "POLICY_NONE", "POLICY_UP_TO", "POLICY_S_S", "POLICY_R_Q", "sum_by"]

POLICY_NONE, POLICY_UP_TO, POLICY_S_S, POLICY_R_Q = 0, 1, 2, 3

_COLUMNS: dict[str, type] = {
    "node_capacity": float, "node_focal": bool, "node_cost": float,
    "sku_node": np.int64, "sku_part": np.int64, "sku_policy": np.int64, "sku_review": np.int64,
    "sku_row": np.int64, "sku_a": float, "sku_b": float, "sku_initial": float, "sku_value": float,
    "sku_holding": float,
    "row_sku": np.int64, "row_node": np.int64, "row_from_cores": bool,
    "arc_lane": np.int64, "arc_src": np.int64, "arc_dst": np.int64, "arc_dem": np.int64,
    "arc_share": float, "arc_transport": float, "arc_price": float, "arc_premium": float,
    "arc_into_focal": bool,
    "lane_capacity": float,
}


def sum_by(index: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """``values`` summed per ``index`` into ``size`` float bins.

    Always floats: ``np.bincount`` returns integers when ``index`` is empty (a chain with no
    replenishment arc, or no customer arc), and adding floats in place to those fails."""
    return np.bincount(index, np.asarray(values, float), minlength=size).astype(float, copy=False)


@dataclass
class Network:
    """Index arrays of stock points, production rows, arcs, lanes and demand entries."""

    scenario: Scenario
    node_ids: list[str] = field(default_factory=list)
    part_ids: list[str] = field(default_factory=list)
    sku_keys: list[tuple[str, str]] = field(default_factory=list)
    lane_keys: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        sc = self.scenario
        self.part_ids = [p.id for p in sc.parts]
        self.part_index = {p: i for i, p in enumerate(self.part_ids)}
        self.node_index: dict[str, int] = {}
        self.sku_index: dict[tuple[str, str], int] = {}
        self.lane_index: dict[str, int] = {}
        self._nodes: list[Node] = []
        self._lanes: list[Lane] = []
        # Columns per node, stock point, production row, arc and lane. The arrays are the truth and
        # are only ever appended to: add_node and add_lane collect new entries in ``_cols`` and
        # refresh() appends them, so values changed while running (a buffer's raised level) stay.
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.empty(0, dtype))
        self._cols: dict[str, list] = {name: [] for name in _COLUMNS}
        self.base_share = np.empty(0)
        self.sku_critical = np.empty(0, np.int64)
        self._bom_entries: list[tuple[int, int, float]] = []
        self._bom: tuple[sparse.csr_matrix, sparse.csr_matrix] | None = None  # made when first used
        self._bom_made = 0  # the entries in it
        # Entries added while running, by name, for replications adding an equal one to share.
        self._added_nodes: dict[str, list[int]] = {}
        self._added_lanes: dict[str, list[int]] = {}
        self._lane_terms: dict[int, tuple[float | None, int, int]] = {}  # price, source and destination node
        self.demand = sc.demand
        self.demand_index = {(d.market, d.part): i for i, d in enumerate(sc.demand)}
        self.critical_parts = [p.id for p in sc.parts if p.critical]
        for node in sc.nodes:
            self.add_node(node, refresh=False)
        for lane in sc.lanes:
            self.add_lane(lane, refresh=False)
        self.dem_market = np.array([self.node_index[d.market] for d in sc.demand], np.int64)
        self.dem_lost_sales = np.array([d.unmet == "lost_sales" for d in sc.demand], bool)
        self.dem_penalty = np.array([d.shortage_penalty_per_unit for d in sc.demand])
        self.refresh()

    # -- building -------------------------------------------------------------------------------

    @property
    def nodes(self) -> list[Node]:
        """Every node, in index order (the scenario's, then any added)."""
        return self._nodes

    @property
    def lanes(self) -> list[Lane]:
        """Every lane, in index order (the scenario's, then any added)."""
        return self._lanes

    def add_node(self, node: Node, *, names: "Network | RowNetwork | None" = None, refresh: bool = True) -> int:
        """Add a node with its stock points and production rows; return its index. ``names``:
        whose names it joins and its lanes resolve (a replication's view; default this network's)."""
        names = self if names is None else names
        if node.id in names.node_index:
            raise ValueError(f"node {node.id!r} exists already")
        index = len(self.node_ids)
        self.node_ids.append(node.id)
        names.node_index[node.id] = index
        if names is not self:
            names.last_node = index
            self._added_nodes.setdefault(node.id, []).append(index)
        self._nodes.append(node)
        focal = node.kind != "supplier"
        self._cols["node_capacity"].append(node.capacity_per_day or np.inf)
        self._cols["node_focal"].append(focal)
        self._cols["node_cost"].append(node.production_cost_per_unit)
        held = {s.part: s for s in node.inventory}
        for part in dict.fromkeys([*held, *node.makes]):
            self._add_sku(node, part, held.get(part), focal, names)
        for part in node.makes:
            self._add_row(node, part, names)
        if refresh:
            self.refresh()
        return index

    def _add_sku(self, node: Node, part: str, stock, focal: bool, names) -> None:
        policy = stock.policy if stock is not None else None
        kind, a, b = POLICY_NONE, 0.0, 0.0
        if isinstance(policy, (BaseStock, Periodic)):
            kind, a = POLICY_UP_TO, policy.level
        elif isinstance(policy, MinMax):
            kind, a, b = POLICY_S_S, policy.s, policy.S
        elif isinstance(policy, ReorderPoint):
            kind, a, b = POLICY_R_Q, policy.r, policy.Q
        value = self.scenario.parts_by_id[part].unit_cost
        names.sku_index[(node.id, part)] = len(self.sku_keys)
        self.sku_keys.append((node.id, part))
        self._cols["sku_node"].append(names.node_index[node.id])
        self._cols["sku_part"].append(self.part_index[part])
        self._cols["sku_policy"].append(kind)
        self._cols["sku_review"].append(policy.review_days if policy else 1)
        self._cols["sku_a"].append(a)
        self._cols["sku_b"].append(b)
        self._cols["sku_initial"].append(stock.initial_units if stock else 0.0)
        self._cols["sku_value"].append(value)
        self._cols["sku_holding"].append(value * node.holding_cost_rate / 365.0 if focal else 0.0)
        self._cols["sku_row"].append(-1)

    def _add_row(self, node: Node, part: str, names) -> None:
        row = len(self.row_sku) + len(self._cols["row_sku"])
        sku = names.sku_index[(node.id, part)]
        self._cols["sku_row"][sku - len(self.sku_row)] = row  # a stock point of the node being added
        self._cols["row_sku"].append(sku)
        self._cols["row_node"].append(names.node_index[node.id])
        from_cores = node.kind == "reman"
        self._cols["row_from_cores"].append(from_cores)
        if not from_cores:
            # A maker uses the components it holds; one holding none of them (a MaaS provider
            # added while running) is supplied from outside the modelled chain.
            for child, quantity in self.scenario.parts_by_id[part].bom.items():
                if (node.id, child) in names.sku_index:
                    self._bom_entries.append((row, names.sku_index[(node.id, child)], quantity))

    def add_lane(self, lane: Lane, *, price: float | None = None, names: "Network | RowNetwork | None" = None,
                 refresh: bool = True) -> int:
        """Add a lane and its arcs; return its index. Its source must hold or make its parts.

        ``price`` (per unit, e.g. a MaaS agreement's) replaces the parts' unit cost as the price
        paid to a supplier: the unit cost is booked as procurement, the difference as MaaS premium.
        ``names``: as for :meth:`add_node`.
        """
        names = self if names is None else names
        if lane.key in names.lane_index:
            raise ValueError(f"lane {lane.key!r} exists already")
        index = len(self.lane_keys)
        self.lane_keys.append(lane.key)
        names.lane_index[lane.key] = index
        self._lanes.append(lane)
        self._cols["lane_capacity"].append(lane.capacity_per_day or np.inf)
        dest = self.nodes[names.node_index[lane.dest]]
        source = names.node_index[lane.source]
        if names is not self:
            names.last_lane = index
            self._added_lanes.setdefault(lane.key, []).append(index)
            self._lane_terms[index] = (price, source, names.node_index[lane.dest])
        source_focal = (self.node_focal[source] if source < len(self.node_focal)
                        else self._cols["node_focal"][source - len(self.node_focal)])
        for part in lane.parts:
            customer = dest.kind == "market"
            dem = self.demand_index.get((lane.dest, part), -1)
            if customer and dem < 0:
                continue  # a lane to a market carries only what the market demands
            self._cols["arc_lane"].append(index)
            self._cols["arc_src"].append(names.sku_index[(lane.source, part)])
            self._cols["arc_dst"].append(-1 if customer else names.sku_index[(lane.dest, part)])
            self._cols["arc_dem"].append(dem)
            self._cols["arc_share"].append(np.nan if lane.share is None else lane.share)
            into_focal = dest.kind != "supplier"
            spec = self.scenario.parts_by_id[part]
            self._cols["arc_transport"].append(lane.freight(spec.weight_kg) if into_focal else 0.0)
            bought = into_focal and not source_focal
            value = spec.unit_cost
            self._cols["arc_price"].append(value if bought else 0.0)
            self._cols["arc_premium"].append(price - value if bought and price is not None else 0.0)
            self._cols["arc_into_focal"].append(into_focal)
        if refresh:
            self.refresh(names)
        return index

    def refresh(self, names: "Network | RowNetwork | None" = None) -> None:
        """Append the entries added since the last call to the columns, and recompute the derived
        structures (BOM matrix, arc groups); existing entries keep their values. ``names``: whose
        lanes the new arcs' equal split of orders counts (those added under these names)."""
        for name, dtype in _COLUMNS.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.array(self._cols[name], dtype=dtype)]))
            self._cols[name].clear()
        self.repl = np.flatnonzero(self.arc_dst >= 0)
        self.cust = np.flatnonzero(self.arc_dem >= 0)
        # The group an arc's share is normalised within: its destination stock point or demand.
        self.arc_group = np.where(self.arc_dst >= 0, self.arc_dst, len(self.sku_keys) + self.arc_dem)
        self.n_groups = len(self.sku_keys) + len(self.demand)
        names = self if names is None else names
        unset = np.isnan(self.arc_share) & np.isin(self.arc_lane, np.fromiter(names.lane_index.values(), np.int64))
        unset_count = np.bincount(self.arc_group[unset], minlength=self.n_groups)
        # Lanes without a share split equally; a given share of 0 keeps a lane on standby. The
        # scenario's arcs keep the share they were given; an arc added later gets its own.
        new = slice(len(self.base_share), self.n_arcs)
        self.base_share = np.concatenate([self.base_share, np.where(
            unset[new], 1.0 / np.maximum(unset_count[self.arc_group[new]], 1), self.arc_share[new])])
        self.sku_focal = self.node_focal[self.sku_node]
        # Position of each stock point's part among the critical parts (-1: not critical); only
        # the stock points added since the last call are looked up (a run adds providers' ones).
        critical = {self.part_index[p]: j for j, p in enumerate(self.critical_parts)}
        added = self.sku_part[len(self.sku_critical):]
        self.sku_critical = np.concatenate([self.sku_critical,
                                            np.array([critical.get(int(p), -1) for p in added], np.int64)])

    @property
    def bom(self) -> sparse.csr_matrix:
        """Components per unit made: production row × stock point."""
        return self._boms()[0]

    @property
    def bom_t(self) -> sparse.csr_matrix:
        """:attr:`bom` transposed: stock point × production row (components used per unit made)."""
        return self._boms()[1]

    def _boms(self) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        # Made on first use after entries were added, not at each addition: a response adding
        # providers one after the other on a day then extends it once.
        shape = (len(self.row_sku), len(self.sku_keys))
        if self._bom is None or self._bom[0].shape != shape:
            self._bom = self._extended(shape) if self._bom is not None else None
            if self._bom is None:
                rows, cols, quantities = zip(*self._bom_entries) if self._bom_entries else ((), (), ())
                bom = sparse.csr_matrix((quantities, (rows, cols)), shape=shape)
                bom.sort_indices()
                self._bom = (bom, bom.T.tocsr())
            self._bom_made = len(self._bom_entries)
        return self._bom

    def _extended(self, shape: tuple[int, int]) -> tuple[sparse.csr_matrix, sparse.csr_matrix] | None:
        """The matrices with the entries added since they were made, appended as rows of both: a
        new node's production rows use only its own stock points (new rows and new columns),
        so nothing already there moves. None when an entry falls elsewhere (build them anew)."""
        bom, bom_t = self._bom
        new = self._bom_entries[self._bom_made:]
        if not new or min(r for r, _, _ in new) < bom.shape[0] or min(c for _, c, _ in new) < bom.shape[1]:
            return None
        rows, cols, quantities = (np.array(column) for column in zip(*new))

        def appended(matrix: sparse.csr_matrix, first: int, at: np.ndarray, to: np.ndarray,
                     size: tuple[int, int]) -> sparse.csr_matrix:
            # The new rows (from ``first``) as a matrix of their own, joined below ``matrix``.
            rest = sparse.csr_matrix((quantities, (at - first, to)), shape=(size[0] - first, size[1]))
            rest.sort_indices()
            return sparse.csr_matrix((np.concatenate([matrix.data, rest.data]),
                                      np.concatenate([matrix.indices, rest.indices]),
                                      np.concatenate([matrix.indptr, rest.indptr[1:] + matrix.indptr[-1]])),
                                     shape=size)
        return (appended(bom, bom.shape[0], rows, cols, shape),
                appended(bom_t, bom_t.shape[0], cols, rows, (shape[1], shape[0])))

    # -- sharing added entries between replications -----------------------------------------------

    def shared_node(self, node: Node, names: "RowNetwork") -> int | None:
        """The index of a node equal to ``node`` that another replication added and ``names``'
        replication may hold as its own (added after every node it holds), or None."""
        for index in self._added_nodes.get(node.id, ()):
            # Equal nodes write equal columns: each depends on the node, the scenario and the
            # node's own stock points.
            if index > names.last_node and self._nodes[index] == node:
                return index
        return None

    def hold_node(self, index: int, names: "RowNetwork") -> np.ndarray:
        """Make added node ``index`` one of ``names``' (:meth:`shared_node`); return its stock points."""
        names.node_index[self.node_ids[index]] = index
        names.last_node = index
        skus = np.flatnonzero(self.sku_node == index)
        for sku in skus.tolist():
            names.sku_index[self.sku_keys[sku]] = sku
        return skus

    def shared_lane(self, lane: Lane, price: float | None, names: "RowNetwork") -> int | None:
        """The index of a lane equal to ``lane`` at ``price`` that another replication added and
        ``names``' replication may hold as its own, or None: between the nodes its names give,
        added after every lane it holds, and with the base shares its own lanes would give it."""
        for index in self._added_lanes.get(lane.key, ()):
            if (index > names.last_lane and self._lanes[index] == lane
                    and self._lane_terms[index] == (price, names.node_index.get(lane.source),
                                                    names.node_index.get(lane.dest))
                    and self._same_base_share(index, names)):
                return index
        return None

    def _same_base_share(self, lane: int, names: "RowNetwork") -> bool:
        """Whether ``lane``'s arcs without a share of their own have the equal split that
        :meth:`refresh` would give them among ``names``' lanes and this one."""
        arcs = np.flatnonzero(self.arc_lane == lane)
        arcs = arcs[np.isnan(self.arc_share[arcs])]
        if not len(arcs):
            return True
        held = np.isin(self.arc_lane, [*names.lane_index.values(), lane]) & np.isnan(self.arc_share)
        count = np.bincount(self.arc_group[held], minlength=self.n_groups)
        return bool(np.array_equal(self.base_share[arcs], 1.0 / np.maximum(count[self.arc_group[arcs]], 1)))

    def hold_lane(self, index: int, names: "RowNetwork") -> np.ndarray:
        """Make added lane ``index`` one of ``names``' (:meth:`shared_lane`); return its arcs."""
        names.lane_index[self.lane_keys[index]] = index
        names.last_lane = index
        return np.flatnonzero(self.arc_lane == index)

    # -- sizes ----------------------------------------------------------------------------------

    @property
    def n_sku(self) -> int:
        """Number of stock points."""
        return len(self.sku_keys)

    @property
    def n_arcs(self) -> int:
        """Number of arcs (part × lane)."""
        return len(self.arc_lane)


class RowNetwork:
    """One replication's view of its batch's network: the network's arrays and entry lists
    (indexed as there), and the names of the entries the replication holds (the scenario's and
    those it added), by which it finds them. Entries other replications added are in the arrays
    but not among its names; they stay closed to it."""

    def __init__(self, net: Network) -> None:
        self.network = net
        # The scenario's names, shared until this replication adds an entry of its own.
        self.node_index, self.sku_index, self.lane_index = net.node_index, net.sku_index, net.lane_index
        self._shared = True
        self.last_node = self.last_lane = -1  # the last node and lane it added or holds (-1: none)

    def __getattr__(self, name: str):
        return getattr(self.network, name)

    def own_lanes(self) -> list[Lane]:
        """The lanes this replication holds (the scenario's and those it added), in index order."""
        return [self.network.lanes[index] for index in sorted(self.lane_index.values())]

    def own_names(self) -> None:
        """Copy the shared names before this replication adds entries to them."""
        if self._shared:
            self.node_index, self.sku_index = dict(self.node_index), dict(self.sku_index)
            self.lane_index = dict(self.lane_index)
            self._shared = False
