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
* ``s[n, p] <= initial_units``: units of ``n``'s day-0 stock of ``p`` used;
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
TTS maximises ``t <= max_days``; since ``t = 0`` is always feasible, TTS is 0 when the demand cannot
be met at all without the node. The impact LP fixes ``t = TTR`` and maximises margin-weighted
fulfilment, with margin ``max(price - unit_cost, 0)`` per unit (the unit cost when the price is 0)
plus a tie-break of 1e-6 of the largest margin per unit, so that among the margin-optimal
solutions the one losing fewest units is reported.

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
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Mapping, Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.optimize import linprog

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["OutageLP", "time_to_survive", "impact_of_outage", "stress_test"]

_STRESSED_KINDS = ("supplier", "plant", "dc")
_TIE_BREAK = 1e-6
_DEFAULT_TTR = 30.0


class OutageLP:
    """The stress-test LPs of one scenario, built once; each solve only changes variable bounds.

    >>> lp = OutageLP(scenario)                       # doctest: +SKIP
    >>> lp.time_to_survive("mcu_fab_tw")              # doctest: +SKIP
    """

    def __init__(self, scenario: "Scenario", *, standby: bool = True) -> None:
        self.scenario = scenario
        nodes = scenario.nodes_by_id
        parts = scenario.parts_by_id
        lanes = [lane for lane in scenario.lanes if standby or lane.share != 0]

        held: dict[str, set[str]] = {n.id: set(n.makes) | {s.part for s in n.inventory}
                                     for n in scenario.nodes}
        for lane in lanes:
            held[lane.dest].update(lane.parts)

        rows: dict[tuple[str, str], int] = {}   # (node, part) -> balance or demand row

        def row(node: str, part: str) -> int:
            return rows.setdefault((node, part), len(rows))

        entries: list[tuple[int, int, float]] = []  # (row, column, coefficient), common part
        lower: list[float] = [0.0]                   # column 0 is t
        upper: list[float] = [np.inf]
        node_cols: dict[str, list[int]] = {n.id: [] for n in scenario.nodes}
        cap_rows: list[tuple[list[int], float]] = []  # (columns, capacity per day)

        def column(ub: float = np.inf) -> int:
            lower.append(0.0)
            upper.append(ub)
            return len(upper) - 1

        # flows: +1 in the source's balance, -1 in the destination's (or its demand row)
        for lane in lanes:
            cols = []
            for part in lane.parts:
                col = column()
                cols.append(col)
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
            cols = []
            for part in node.makes:
                col = column()
                cols.append(col)
                entries.append((row(node.id, part), col, -1.0))
                for child, quantity in parts[part].bom.items():
                    if child in held[node.id]:
                        entries.append((row(node.id, child), col, float(quantity)))
            node_cols[node.id].extend(cols)
            if node.capacity_per_day is not None:
                cap_rows.append((cols, float(node.capacity_per_day)))
        # day-0 stock
        for node in scenario.nodes:
            for stock in node.inventory:
                if stock.initial_units > 0:
                    col = column(float(stock.initial_units))
                    entries.append((row(node.id, stock.part), col, -1.0))
                    node_cols[node.id].append(col)
        # demand: one fulfilment column per entry (used by the impact LP only)
        self._demand_mean = np.array([float(d.daily.mean) for d in scenario.demand])
        demand_rows = np.array([row(d.market, d.part) for d in scenario.demand], dtype=int)
        self._f_cols = np.array([column(0.0) for _ in scenario.demand], dtype=int)
        self._margin = np.array([_unit_margin(d.price, parts[d.part].unit_cost)
                                 for d in scenario.demand])
        # capacity rows come after the balance and demand rows
        n_flow_rows = len(rows)
        for i, (cols, capacity) in enumerate(cap_rows):
            entries.extend((n_flow_rows + i, col, 1.0) for col in cols)
            entries.append((n_flow_rows + i, 0, -capacity))
        n_rows, n_cols = n_flow_rows + len(cap_rows), len(upper)

        r, c, v = (np.array(a) for a in zip(*entries)) if entries else (np.zeros(0),) * 3
        common = sparse.coo_matrix((v, (r, c)), shape=(n_rows, n_cols))
        # TTS: mean demand * t - inflow <= 0;  impact: sum of fulfilled - inflow <= 0
        tts_extra = sparse.coo_matrix((self._demand_mean, (demand_rows, np.zeros_like(demand_rows))),
                                      shape=(n_rows, n_cols))
        imp_extra = sparse.coo_matrix((np.ones(len(demand_rows)), (demand_rows, self._f_cols)),
                                      shape=(n_rows, n_cols))
        self._a_tts = (common + tts_extra).tocsr()
        self._a_imp = (common + imp_extra).tocsr()
        self._b = np.zeros(n_rows)
        self._lower = np.array(lower)
        self._upper = np.array(upper)
        self._node_cols = {n: np.array(sorted(set(cols)), dtype=int) for n, cols in node_cols.items()}

    def _bounds(self, node: str) -> tuple[np.ndarray, np.ndarray]:
        if node not in self._node_cols:
            raise ValueError(f"unknown node '{node}'")
        upper = self._upper.copy()
        upper[self._node_cols[node]] = 0.0
        return self._lower.copy(), upper

    def time_to_survive(self, node: str, *, max_days: float = 3650.0) -> float:
        """Days all mean demand can be met with ``node`` down (0 if not even at once; cap max_days)."""
        if not max_days > 0:
            raise ValueError(f"max_days must be positive, not {max_days}")
        lower, upper = self._bounds(node)
        upper[0] = max_days
        cost = np.zeros(len(upper))
        cost[0] = -1.0
        result = _solve(cost, self._a_tts, self._b, lower, upper)
        t = float(result.x[0])
        if t >= max_days * (1.0 - 1e-9):
            return float(max_days)
        return 0.0 if t <= 1e-9 * max_days else t

    def impact_of_outage(self, node: str, ttr_days: float) -> dict[str, float]:
        """Least demand lost (``lost_units``) and margin lost (``lost_margin``) over ``ttr_days``."""
        if not ttr_days >= 0:
            raise ValueError(f"ttr_days must be at least 0, not {ttr_days}")
        lower, upper = self._bounds(node)
        lower[0] = upper[0] = ttr_days
        demanded = self._demand_mean * ttr_days
        upper[self._f_cols] = demanded
        cost = np.zeros(len(upper))
        tie = _TIE_BREAK * max(1.0, float(self._margin.max(initial=0.0)))
        cost[self._f_cols] = -(self._margin + tie)
        result = _solve(cost, self._a_imp, self._b, lower, upper)
        lost = np.clip(demanded - result.x[self._f_cols], 0.0, None)
        lost[lost <= 1e-9 * max(1.0, float(demanded.max(initial=0.0)))] = 0.0
        return {"lost_units": float(lost.sum()), "lost_margin": float(lost @ self._margin)}


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


def time_to_survive(scenario: "Scenario", node: str, *, max_days: float = 3650) -> float:
    """Time to survive of ``node``: days the rest of the network meets all mean demand without it.

    0.0 when the demand cannot be met even at once; ``max_days`` when the loss does not bind.
    """
    return OutageLP(scenario).time_to_survive(node, max_days=max_days)


def impact_of_outage(scenario: "Scenario", node: str, ttr_days: float) -> dict[str, float]:
    """Demand lost with ``node`` down for ``ttr_days``: ``{"lost_units", "lost_margin"}``.

    The LP minimises the margin lost; ``lost_units`` is the demand that solution leaves unmet.
    """
    return OutageLP(scenario).impact_of_outage(node, ttr_days)


def stress_test(scenario: "Scenario", nodes: Sequence[str] | None = None,
                ttr: Mapping[str, float] | float = _DEFAULT_TTR) -> pd.DataFrame:
    """TTS, TTR and lost demand per node (default: every supplier, plant and dc), riskiest first.

    ``ttr`` is one TTR for all nodes or a mapping node -> days (30 days for nodes it omits).
    Columns: node, kind, country, region, tts_days, ttr_days, lost_units, lost_margin,
    risk_exposure_index (lost_margin / largest lost_margin, 0 when none), exposed (tts < ttr).
    """
    by_id = scenario.nodes_by_id
    if nodes is None:
        nodes = [n.id for n in scenario.nodes if n.kind in _STRESSED_KINDS]
    unknown = [n for n in nodes if n not in by_id]
    if unknown:
        raise ValueError(f"unknown node(s): {', '.join(map(str, unknown))}")
    lp = OutageLP(scenario)
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
    frame["exposed"] = (frame["tts_days"] < frame["ttr_days"]).astype(bool)
    return frame.sort_values(["risk_exposure_index", "node"], ascending=[False, True],
                             ignore_index=True)
