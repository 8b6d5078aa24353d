"""The random inputs a model draws when it is made: each market's daily demand (with its
seasonality) and each lane's daily lead times.

Each comes from its own stream (:class:`resim.core.streams.Streams`), keyed by what it is for, so
that every strategy of a replication meets the same demand and lead times (common random numbers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from resim.core.dists import whole_days

if TYPE_CHECKING:
    from resim.core.streams import Streams
    from resim.scenario import Scenario
    from resim.scenario.format.chain import Lane

__all__ = ["demand_draws", "lead_time_draws"]


def _seasonal_factor(season, days: np.ndarray) -> np.ndarray:
    if season is None:
        return np.ones(len(days))
    if season.monthly is not None:
        month = np.minimum((days % 365) * 12 // 365, 11).astype(int)  # day 0 is 1 January
        return np.asarray(season.monthly)[month]
    phase = 2 * np.pi * (days - season.peak_day) / season.period_days
    return 1.0 + season.amplitude * np.cos(phase)


def demand_draws(scenario: "Scenario", streams: "Streams") -> np.ndarray:
    """Demand entry × day: the units each market wants of each part, before any demand factor."""
    horizon = scenario.horizon_days
    days = np.arange(horizon)
    rows = []
    for entry in scenario.demand:
        rng = streams.get("demand", entry.market, entry.part)
        draws = np.asarray(entry.daily.sample(rng, horizon), float)
        rows.append(np.maximum(draws * _seasonal_factor(entry.seasonality, days), 0.0))
    return np.vstack(rows) if rows else np.zeros((0, horizon))


def lead_time_draws(lane: "Lane", streams: "Streams", horizon: int) -> np.ndarray:
    """The lead time (whole days) of a shipment leaving on ``lane`` on each day of the horizon."""
    rng = streams.get("lead_time", lane.key)
    return whole_days(lane.lead_time_days.sample(rng, horizon), horizon)
