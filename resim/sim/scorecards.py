"""MaaS stage 3.4, evaluation that learns: each provider's record in a replication informs the
later selections of that replication.

A provider's scorecard is the lots of its agreements so far (:class:`resim.sim.watch.Lots`). With
``maas.evaluation.prior_lots`` set, the figures a later need's candidates are compared on
(:func:`resim.supply.matching.score`) are no longer the published ones but their update by the
lots seen, as the mean of a beta distribution whose prior is the published figure worth
``prior_lots`` lots:

* on time: (prior_lots × published on-time rate + lots shipped on time) / (prior_lots + lots shipped);
* conformance: the same update of the chance a lot passes incoming inspection (single sampling,
  :func:`resim.sim.agreements.lot_acceptance` of the published conformance rate), turned back
  into the unit conformance rate that gives it.

Only the comparison learns: a provider keeps delivering at its delivered rates (the published
ones unless its offering sets ``delivered_on_time_rate`` or ``delivered_conformance_rate``: a
record that overstates what it does, which only its scorecard reveals).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy.optimize import brentq

from resim.sim.agreements import Agreement, lot_acceptance
from resim.sim.watch import Lots

if TYPE_CHECKING:
    from resim.sim.engine import Model
    from resim.scenario.format.maas import Inspection, MaaS
    from resim.supply.matching import Matches

__all__ = ["Scorecards", "conformance_passing"]


def conformance_passing(share: float, inspection: "Inspection") -> float:
    """The unit conformance rate at which ``share`` of lots pass ``inspection`` (the inverse of
    :func:`resim.sim.agreements.lot_acceptance`, which rises with it from 0 to 1)."""
    if share <= lot_acceptance(0.0, inspection):
        return 0.0
    if share >= 1.0:
        return 1.0
    return float(brentq(lambda rate: lot_acceptance(rate, inspection) - share, 0.0, 1.0, xtol=1e-12))


class Scorecards:
    """The providers' records in one replication: the watches of their agreements' lanes."""

    def __init__(self, model: "Model") -> None:
        self.model = model
        self._watches: dict[str, list[int]] = {}   # offering -> its agreements' watches

    def watched(self, agreement: Agreement, watch: int) -> None:
        """Count the lots of ``watch`` (an agreement's lane) on its offering's scorecard."""
        self._watches.setdefault(agreement.offering, []).append(watch)

    def lots(self, offering: str) -> Lots:
        """The lots of every agreement with ``offering`` so far (zeros when none)."""
        found = [self.model.watched_lots(watch) for watch in self._watches.get(offering, ())]
        return Lots(*(sum(column) for column in zip(*found))) if found else Lots(0, 0, 0, 0)

    def rated(self, table: "Matches", maas: "MaaS") -> dict[str, np.ndarray]:
        """The on-time and conformance rates to compare ``table``'s offerings on, as columns
        ``rated_on_time_rate`` and ``rated_conformance_rate`` (see the module docstring); none
        when the evaluation does not learn or no offering of the table has a record."""
        prior = maas.evaluation.prior_lots
        if prior is None or not self._watches:
            return {}
        ids = np.asarray(table["id"], str)
        known = [(offering, np.flatnonzero(ids == offering)) for offering in self._watches]
        known = [(offering, rows) for offering, rows in known if len(rows)]
        if not known:
            return {}
        on_time = np.asarray(table["on_time_rate"], float).copy()
        conformance = np.asarray(table["conformance_rate"], float).copy()
        for offering, rows in known:
            lots = self.lots(offering)
            on_time[rows] = (prior * on_time[rows] + lots.shipped - lots.late) / (prior + lots.shipped)
            passing = lot_acceptance(float(conformance[rows[0]]), maas.inspection)
            passing = (prior * passing + lots.received - lots.rejected) / (prior + lots.received)
            conformance[rows] = conformance_passing(passing, maas.inspection)
        return {"rated_on_time_rate": on_time, "rated_conformance_rate": conformance}
