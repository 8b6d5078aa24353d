"""Time-to-survive and time-to-recover stress test (resilience process R1), as linear programs.

The method follows Simchi-Levi et al. (Interfaces 44(5), 2014; HBR 2014): take one node of the
value chain out completely and ask, by linear programming, how long the rest of the network can
still meet demand (its *time to survive*, TTS), and how much demand is lost if the node stays down
for its *time to recover* (TTR). A node whose TTS is shorter than its TTR is *exposed*; ranking the
nodes by the margin their outage costs gives the risk exposure index.

Formulation (aggregate flows over a disruption period of ``t`` days, no time index)
---------------------------------------------------------------------------------
Variables, all ``>= 0``:

* ``t``: the length of the period, days (maximised for TTS; fixed at the TTR for the impact);
* ``x[l, p]``: units of part ``p`` moved on lane ``l`` (only parts the lane carries);
* ``y[n, p]``: units of ``p`` made at node ``n`` (only parts in ``n.makes``);
* ``s[n, p] <= initial_units``: units of ``n``'s day-0 stock of ``p`` used (it appears
  in one row only, so it is folded into that row's right-hand side);
* ``f[d] <= daily.mean * t`` (impact only): units of demand entry ``d`` fulfilled.

Constraints:

* balance at every non-market (node, part) the node holds (stocks, makes or receives)::

      sum_out x[l, p] + sum_q bom[q][p] * y[n, q]  <=  sum_in x[l, p] + y[n, p] + s[n, p]

  (what leaves or is consumed came in, was made, or was on hand on day 0);
* node capacity ``sum_p y[n, p] <= capacity_per_day * t`` and lane capacity
  ``sum_p x[l, p] <= capacity_per_day * t`` (none = unlimited);
* demand at every (market, part): flows into the market cover ``sum_d daily.mean * t`` (TTS),
  or ``sum_d f[d]`` (impact).

The node taken out makes nothing, its stock is unusable and its lanes (in and out) carry nothing.
TTS maximises ``t``; since ``t = 0`` is always feasible, TTS is 0 when the demand cannot be met at
all without the node. TTS is *unbounded* (``math.inf``) when the rest of the network keeps up
with demand from production alone: exactly when the constraints hold at ``t = 1`` with no stock
(they are then homogeneous in ``t`` and the flows, so that solution scales to any period). An
unbounded TTS is never compared with a TTR as a number: such a node is not exposed whatever its
TTR (a cap such as ten years would flag it as soon as the TTR exceeded the cap).

The impact LP fixes ``t = TTR`` and maximises margin-weighted fulfilment, with margin
``max(price - unit_cost, 0)`` per unit (the unit cost when the price is 0) plus a tie-break of
1e-6 of the largest margin per unit, so that among the margin-optimal solutions the one losing
fewest units is reported.

Assumptions and limits
----------------------
* Aggregate: the LP sees stock and capacity over the period, not timing. Lead times, review periods
  and the order in which stock arrives are ignored, so TTS is an optimistic bound (stock anywhere in
  the network may be re-routed perfectly); the simulation of a disruption checks the timing.
* Expected demand (the mean of ``daily``), without seasonality; stock is the day-0 ``initial_units``.
* A maker consumes a BOM child only if it holds that child (stocks, makes or receives it); a child
  it does not hold comes from outside the modelled chain, as in the simulation.
* Remanufacturing nodes make nothing here: they run on returned cores, a circular response the
  simulation models; their stock counts. Standby lanes (share 0) count unless ``standby=False``.
* A lane's capacity limits all its parts together.

Solving
-------
:class:`OutageLP` builds the sparse constraint matrices once per scenario and splits them into
independent blocks (parts of the chain sharing no stock, capacity or flow, coupled only by ``t``):
TTS is the smallest block TTS and the losses add up over blocks, so a node's outage is re-solved
only in the blocks it touches, by changing column bounds and right-hand sides. Every LP is solved
with ``scipy.optimize.linprog(method="highs")``; TTS is first sought below 10^7 days (HiGHS solves
a bounded period several times faster), and only a TTS at that bound is checked for being
unbounded (then solved without the bound if it is not).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["OutageLP", "time_to_survive", "impact_of_outage", "stress_test"]

_STRESSED_KINDS = ("supplier", "plant", "dc")
_TIE_BREAK = 1e-6
_DEFAULT_TTR = 30.0
# Days: TTS is first sought below this bound, as HiGHS solves a bounded period several times
# faster than an unbounded one; only a TTS at the bound is checked for being unbounded.
_T_BOUND = 1e7


class _Block:
    """One independent piece of the LP: rows and columns that share no constraint with the rest
    except the period ``t`` (local column 0)."""

    def __init__(self, a_tts: sparse.csr_matrix, a_imp: sparse.csr_matrix, b_ub: np.ndarray,
                 upper: np.ndarray, f_cols: np.ndarray, demand_mean: np.ndarray,
                 margin: np.ndarray, node_cols: dict[str, np.ndarray],
                 node_rows: dict[str, np.ndarray]) -> None:
        self.a_tts, self.a_imp, self.b_ub, self.upper = a_tts, a_imp, b_ub, upper
        self.f_cols, self.demand_mean, self.margin = f_cols, demand_mean, margin
        self.node_cols, self.node_rows = node_cols, node_rows
        self.has_demand = bool(len(f_cols)) and bool(demand_mean.any())

    def _down(self, node: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Lower and upper column bounds and right-hand side with ``node`` out."""
        upper, b_ub = self.upper.copy(), self.b_ub.copy()
        if node is not None:
            upper[self.node_cols.get(node, _NONE)] = 0.0
            b_ub[self.node_rows.get(node, _NONE)] = 0.0
        return np.zeros_like(upper), upper, b_ub

    def survive(self, node: str | None) -> float:
        """Largest t for which this block meets its mean demand; inf when no t is too long
        (production alone keeps up, so stock never runs out)."""
        if not self.has_demand:
            return math.inf
        lower, upper, b_ub = self._down(node)
        cost = np.zeros(len(upper))
        cost[0] = -1.0
        upper[0] = _T_BOUND
        t = float(_solve(cost, self.a_tts, b_ub, lower, upper).x[0])
        if t < _T_BOUND * (1.0 - 1e-9):
            return t
        # At the bound: every t is feasible iff demand can be met at t = 1 with no stock at all
        # (the constraints are then homogeneous in t and the flows, so that solution scales to
        # any period); otherwise the TTS is finite and longer than the bound.
        upper[0] = 1.0
        if _solve(cost, self.a_tts, np.zeros_like(b_ub), lower, upper).x[0] >= 0.5:
            return math.inf
        upper[0] = np.inf
        return float(_solve(cost, self.a_tts, b_ub, lower, upper).x[0])

    def impact(self, node: str | None, days: float, tie: float) -> tuple[float, float]:
        """Units and margin of demand lost over ``days``, margin minimised."""
        demanded = self.demand_mean * days
        if not self.has_demand or days == 0:
            return 0.0, 0.0
        lower, upper, b_ub = self._down(node)
        lower[0] = upper[0] = days
        upper[self.f_cols] = demanded
        cost = np.zeros(len(upper))
        cost[self.f_cols] = -(self.margin + tie)
        result = _solve(cost, self.a_imp, b_ub, lower, upper)
        lost = np.clip(demanded - result.x[self.f_cols], 0.0, None)
        lost[lost <= 1e-9 * max(1.0, float(demanded.max()))] = 0.0
        return float(lost.sum()), float(lost @ self.margin)


_NONE = np.zeros(0, dtype=int)


class OutageLP:
    """The stress-test LPs of one scenario, built once; each solve only changes bounds.

    The constraint matrix is split into independent blocks (parts of the chain that share no
    stock, capacity or flow); a node's outage is solved only in the blocks it touches, the others
    keep their intact-network answer (computed once).

    >>> lp = OutageLP(scenario)                       # doctest: +SKIP
    >>> lp.time_to_survive("mcu_fab_tw")              # doctest: +SKIP
    """

    def __init__(self, scenario: "Scenario", *, standby: bool = True) -> None:
        self.scenario = scenario
        parts = scenario.parts_by_id
        lanes = [lane for lane in scenario.lanes if standby or lane.share != 0]

        held: dict[str, set[str]] = {n.id: set(n.makes) | {s.part for s in n.inventory}
                                     for n in scenario.nodes}
        for lane in lanes:
            held[lane.dest].update(lane.parts)

        rows: dict[tuple[str, str], int] = {}   # (node, part) -> balance or demand row

        def row(node: str, part: str) -> int:
            return rows.setdefault((node, part), len(rows))

        entries: list[tuple[int, int, float]] = []  # (row, column, coefficient), without t
        n_cols = 1                                   # column 0 is t
        node_cols: dict[str, list[int]] = {n.id: [] for n in scenario.nodes}
        cap_rows: list[tuple[list[int], float]] = []  # (columns, capacity per day)

        # flows: +1 in the source's balance, -1 in the destination's (or its demand row)
        for lane in lanes:
            cols = list(range(n_cols, n_cols + len(lane.parts)))
            n_cols += len(cols)
            for part, col in zip(lane.parts, cols):
                entries.append((row(lane.source, part), col, 1.0))
                entries.append((row(lane.dest, part), col, -1.0))
            node_cols[lane.source].extend(cols)
            node_cols[lane.dest].extend(cols)
            if lane.capacity_per_day is not None:
                cap_rows.append((cols, float(lane.capacity_per_day)))
        # production: a source of the part made, a use of the BOM children held
        for node in scenario.nodes:
            if node.kind in ("market", "reman") or not node.makes:
                continue
            cols = list(range(n_cols, n_cols + len(node.makes)))
            n_cols += len(cols)
            for part, col in zip(node.makes, cols):
                entries.append((row(node.id, part), col, -1.0))
                for child, quantity in parts[part].bom.items():
                    if child in held[node.id]:
                        entries.append((row(node.id, child), col, float(quantity)))
            node_cols[node.id].extend(cols)
            if node.capacity_per_day is not None:
                cap_rows.append((cols, float(node.capacity_per_day)))
        # day-0 stock: the right-hand side of the balance rows (the stock-used variables are
        # column singletons bounded by the stock, so they fold into it)
        node_rows: dict[str, list[int]] = {n.id: [] for n in scenario.nodes}
        stock: dict[int, float] = {}
        for node in scenario.nodes:
            for entry in node.inventory:
                if entry.initial_units > 0:
                    r = row(node.id, entry.part)
                    stock[r] = stock.get(r, 0.0) + float(entry.initial_units)
                    node_rows[node.id].append(r)
        # demand: a fulfilment column per entry (impact LP), t * mean in its row (TTS LP)
        demand_rows = [row(d.market, d.part) for d in scenario.demand]
        f_cols = list(range(n_cols, n_cols + len(scenario.demand)))
        n_cols += len(f_cols)
        demand_mean = np.array([float(d.daily.mean) for d in scenario.demand])
        margin = np.array([_unit_margin(d.price, parts[d.part].unit_cost) for d in scenario.demand])
        self._tie = _TIE_BREAK * max(1.0, float(margin.max(initial=0.0)))
        # node and lane capacity: sum of columns - capacity * t <= 0
        t_entries: list[tuple[int, float]] = []      # (row, coefficient of t) in both LPs
        n_rows = len(rows)
        for cols, capacity in cap_rows:
            entries.extend((n_rows, col, 1.0) for col in cols)
            t_entries.append((n_rows, -capacity))
            n_rows += 1

        r, c, v = (np.array(a) for a in zip(*entries)) if entries else (_NONE, _NONE, np.zeros(0))
        body = sparse.csr_matrix((v, (r, c)), shape=(n_rows, n_cols))
        t_rows = np.array([e[0] for e in t_entries], dtype=int)
        t_coef = np.array([e[1] for e in t_entries], dtype=float)
        d_rows = np.array(demand_rows, dtype=int)
        fulfil = sparse.csr_matrix((np.ones(len(d_rows)), (d_rows, f_cols)), shape=(n_rows, n_cols))
        body_f = (body + fulfil).tocsr()
        b_ub = np.zeros(n_rows)
        b_ub[list(stock)] = list(stock.values())
        upper = np.full(n_cols, np.inf)

        # independent blocks: connected components of rows and columns, t left out
        links = body_f[:, 1:]
        graph = sparse.bmat([[None, links], [links.T, None]]).tocsr()
        _, label = connected_components(graph, directed=False)
        row_label, col_label = label[:n_rows], np.concatenate([[-1], label[n_rows:]])
        self._blocks: list[_Block] = []
        self._node_blocks: dict[str, list[int]] = {n.id: [] for n in scenario.nodes}
        for key in np.unique(row_label):
            block_rows = np.flatnonzero(row_label == key)
            block_cols = np.concatenate([[0], np.flatnonzero(col_label == key)])
            local_col = {int(g): i for i, g in enumerate(block_cols)}
            local_row = {int(g): i for i, g in enumerate(block_rows)}
            t_local = np.zeros(len(block_rows))
            for g, coef in zip(t_rows, t_coef):
                if g in local_row:
                    t_local[local_row[g]] += coef
            d_local = np.zeros(len(block_rows))
            in_block = [i for i, g in enumerate(d_rows) if g in local_row]
            for i in in_block:
                d_local[local_row[int(d_rows[i])]] += demand_mean[i]
            base_imp = body_f[block_rows][:, block_cols].tolil()
            base_imp[:, 0] = t_local[:, None]
            base_tts = body[block_rows][:, block_cols].tolil()
            base_tts[:, 0] = (t_local + d_local)[:, None]
            cols_of = {n: np.array([local_col[g] for g in cs if g in local_col], dtype=int)
                       for n, cs in node_cols.items()}
            rows_of = {n: np.array([local_row[g] for g in rs if g in local_row], dtype=int)
                       for n, rs in node_rows.items()}
            touched = [n for n in scenario.nodes_by_id if len(cols_of[n]) or len(rows_of[n])]
            index = len(self._blocks)
            for n in touched:
                self._node_blocks[n].append(index)
            self._blocks.append(_Block(
                base_tts.tocsr(), base_imp.tocsr(), b_ub[block_rows], upper[block_cols],
                np.array([local_col[f_cols[i]] for i in in_block], dtype=int),
                demand_mean[in_block], margin[in_block],
                {n: cols_of[n] for n in touched}, {n: rows_of[n] for n in touched}))
        self._tts_base: list[float] | None = None
        self._impact_base: dict[float, list[tuple[float, float]]] = {}

    def _check(self, node: str | None) -> None:
        if node is not None and node not in self._node_blocks:
            raise ValueError(f"unknown node '{node}'")

    def time_to_survive(self, node: str | None, *, max_days: float = math.inf) -> float:
        """Days all mean demand can be met with ``node`` down (None: nothing down); 0 if not even
        at once; ``math.inf`` when no period is too long (the loss never binds). ``max_days``
        caps the answer (default: no cap)."""
        self._check(node)
        if not max_days > 0:
            raise ValueError(f"max_days must be positive, not {max_days}")
        if self._tts_base is None:
            self._tts_base = [b.survive(None) for b in self._blocks]
        per_block = list(self._tts_base)
        for i in self._node_blocks.get(node, []) if node is not None else []:
            per_block[i] = self._blocks[i].survive(node)
        t = min(per_block, default=math.inf)
        if t <= 1e-9:
            return 0.0
        return float(min(t, max_days))

    def impact_of_outage(self, node: str | None, ttr_days: float) -> dict[str, float]:
        """Least margin lost (``lost_margin``) with ``node`` down for ``ttr_days`` (None: nothing
        down), and the demand that solution leaves unmet (``lost_units``)."""
        self._check(node)
        if not ttr_days >= 0:
            raise ValueError(f"ttr_days must be at least 0, not {ttr_days}")
        if ttr_days not in self._impact_base:
            self._impact_base[ttr_days] = [b.impact(None, ttr_days, self._tie) for b in self._blocks]
        per_block = list(self._impact_base[ttr_days])
        for i in self._node_blocks.get(node, []) if node is not None else []:
            per_block[i] = self._blocks[i].impact(node, ttr_days, self._tie)
        return {"lost_units": float(sum(u for u, _ in per_block)),
                "lost_margin": float(sum(m for _, m in per_block))}


def _unit_margin(price: float, unit_cost: float) -> float:
    """Value of one unit of demand: price - unit cost floored at 0, or the unit cost if no price."""
    return float(unit_cost) if price == 0 else max(float(price) - float(unit_cost), 0.0)


def _solve(cost: np.ndarray, a_ub: sparse.csr_matrix, b_ub: np.ndarray, lower: np.ndarray,
           upper: np.ndarray):
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=np.column_stack([lower, upper]),
                     method="highs")
    if result.status != 0:
        raise RuntimeError(f"stress-test LP failed: {result.message}")
    return result


def time_to_survive(scenario: "Scenario", node: str, *, max_days: float = math.inf) -> float:
    """Time to survive of ``node``: days the rest of the network meets all mean demand without it.

    0.0 when the demand cannot be met even at once; ``math.inf`` when the loss never binds (the
    rest of the network keeps up with demand indefinitely); at most ``max_days``.
    """
    return OutageLP(scenario).time_to_survive(node, max_days=max_days)


def impact_of_outage(scenario: "Scenario", node: str, ttr_days: float) -> dict[str, float]:
    """Demand lost with ``node`` down for ``ttr_days``: ``{"lost_units", "lost_margin"}``.

    The LP minimises the margin lost; ``lost_units`` is the demand that solution leaves unmet.
    """
    return OutageLP(scenario).impact_of_outage(node, ttr_days)


def stress_test(scenario: "Scenario", nodes: Sequence[str] | None = None,
                ttr: Mapping[str, float] | float = _DEFAULT_TTR, *,
                lp: OutageLP | None = None) -> pd.DataFrame:
    """TTS, TTR and lost demand per node (default: every supplier, plant and dc), riskiest first.

    ``ttr`` is one TTR for all nodes or a mapping node -> days (30 days for nodes it omits);
    ``lp`` reuses an :class:`OutageLP` already built for ``scenario``.
    Columns: node, kind, country, region, tts_days (``inf`` when unbounded), ttr_days,
    lost_units, lost_margin, risk_exposure_index (lost_margin / largest lost_margin, 0 when
    none), exposed (TTS finite and below the TTR).
    """
    by_id = scenario.nodes_by_id
    if nodes is None:
        nodes = [n.id for n in scenario.nodes if n.kind in _STRESSED_KINDS]
    unknown = [n for n in nodes if n not in by_id]
    if isinstance(ttr, Mapping):
        unknown += [n for n in ttr if n not in by_id and n not in unknown]
    if unknown:
        raise ValueError(f"unknown node(s): {', '.join(map(str, unknown))}")
    lp = OutageLP(scenario) if lp is None else lp
    rows = []
    for node_id in nodes:
        node = by_id[node_id]
        days = float(ttr.get(node_id, _DEFAULT_TTR) if isinstance(ttr, Mapping) else ttr)
        tts = lp.time_to_survive(node_id)
        impact = lp.impact_of_outage(node_id, days)
        rows.append({"node": node_id, "kind": node.kind, "country": node.country,
                     "region": node.region, "tts_days": tts, "ttr_days": days, **impact})
    columns = ["node", "kind", "country", "region", "tts_days", "ttr_days", "lost_units",
               "lost_margin", "risk_exposure_index", "exposed"]
    frame = pd.DataFrame(rows, columns=columns)
    top = frame["lost_margin"].max() if len(frame) else 0.0
    frame["risk_exposure_index"] = frame["lost_margin"] / top if top > 0 else 0.0
    frame["risk_exposure_index"] = frame["risk_exposure_index"].astype(float)
    # An unbounded TTS is no number to compare: such a node is never exposed, whatever its TTR.
    tts = frame["tts_days"].to_numpy(float)
    frame["exposed"] = np.isfinite(tts) & (tts < frame["ttr_days"].to_numpy(float))
    return frame.sort_values(["risk_exposure_index", "node"], ascending=[False, True],
                             ignore_index=True)
