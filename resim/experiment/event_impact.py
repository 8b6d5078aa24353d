"""Metrics per event (event_impact.csv): for each strategy and disruption of the scenario, how
often it struck and how many units one event cost the markets, over the replications.

A hazard with a rate strikes a varying number of times per replication, so a replication's
shortfall is not one event's. Per strategy and disruption:

* ``events_per_year``: the disruption's events in a replication (events.csv) × 365 / horizon,
  mean over the replications (:func:`resim.core.stats.mean_interval`). Common random numbers:
  every strategy sees the same events.
* ``shortfall_per_event``: units short charged to the disruption (ripple.csv ``charged_units``,
  once per market and onset: the disruption's share where events overlap) summed over the
  replications, over its events summed over the replications: a ratio estimate with the
  replications as clusters, its interval a paired percentile bootstrap over the replications,
  from the resamples that hold an event (a ratio of sums of non-negative numbers stays
  non-negative). None when it never struck; no interval when it struck in fewer than 5
  replications.
* ``shortfall_per_year``: the charged units × 365 / horizon, mean over the replications: the
  disruption's part of the expected annual shortfall. By construction it equals
  events_per_year × shortfall_per_event.
* ``days_disrupted_median``: per event, the days from its onset until service was back on every
  market it reaches (ripple.csv ``back_day``: the recovery after a dip it caused, else its own
  end), censored where that is the horizon; the Kaplan-Meier median over the events
  (:func:`resim.core.survival.km_quantile`), with its interval. Unlike the run's recovery time,
  timed from the horizon's first onset, it is one event's: over years of recurring events the
  run's says little, this says how long one event lasts for the markets. Two events of one
  hazard that start on the same day count as one here (ripple.csv tells events by their onset).
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
from scipy import stats

from resim.core.stats import RESAMPLES, mean_interval
from resim.core.survival import km_quantile

__all__ = ["event_impact_table", "STATISTICS"]

STATISTICS = ("events_per_year", "shortfall_per_event", "shortfall_per_year", "days_disrupted_median")
_COLUMNS = ["strategy", "disruption", "type", "statistic", "estimate", "ci_low", "ci_high", "n", "method"]
_SEED = 20261203  # fixed: the same tables give the same intervals
_MIN_STRUCK = 5   # replications with an event below which a ratio gets no interval


def event_impact_table(disruptions: dict[str, str], events: pd.DataFrame, ripple: pd.DataFrame,
                       replications: pd.DataFrame, horizon: int, *, confidence: float = 0.95) -> pd.DataFrame:
    """event_impact.csv: ``disruptions`` (id -> type, the scenario's), ``events`` (events.csv),
    ``ripple`` (ripple.csv) and ``replications`` (its strategy and replication columns) of a run
    over ``horizon`` days (module docstring)."""
    per_year = 365.0 / horizon
    ids = list(disruptions)
    reps = np.sort(replications.replication.unique())
    counts = (events.groupby(["replication", "id"]).size().unstack(fill_value=0)
              .reindex(index=reps, columns=ids, fill_value=0) if len(events)
              else pd.DataFrame(0, index=reps, columns=ids))
    charged = (ripple.drop_duplicates(["strategy", "replication", "disruption", "onset", "market"])
               .groupby(["strategy", "replication", "disruption"]).charged_units.sum().unstack("disruption")
               if len(ripple) else pd.DataFrame())  # (strategy, replication) x disruption
    # Each event's days until service was back on all its paths (censored at the horizon).
    spells = (ripple.groupby(["strategy", "disruption", "replication", "onset"]).back_day.max().reset_index()
              if len(ripple) else pd.DataFrame(columns=["strategy", "disruption", "replication", "onset", "back_day"]))
    rows: list[list] = []
    for strategy in dict.fromkeys(replications.strategy):
        units = charged.loc[strategy] if strategy in charged.index.get_level_values(0) else pd.DataFrame()
        units = units.reindex(index=reps, columns=ids, fill_value=0.0).fillna(0.0)
        for disruption in ids:
            e, c = counts[disruption].to_numpy(float), units[disruption].to_numpy(float)
            head = [strategy, disruption, disruptions[disruption]]
            found = {"shortfall_per_event": _ratio(c, e, confidence),
                     "days_disrupted_median": _median_days(spells[(spells.strategy == strategy)
                                                                  & (spells.disruption == disruption)],
                                                           horizon, confidence)}
            for statistic, values in (("events_per_year", e * per_year), ("shortfall_per_year", c * per_year)):
                est = mean_interval(values, confidence)
                found[statistic] = [est.estimate, est.low, est.high, est.n, est.method]
            rows += [[*head, statistic, *found[statistic]] for statistic in STATISTICS]
    return pd.DataFrame(rows, columns=_COLUMNS)


def _ratio(units: np.ndarray, events: np.ndarray, confidence: float) -> list:
    """[estimate, low, high, n events, method] of Σ units / Σ events over the replications."""
    total = float(events.sum())
    if total == 0:
        return [math.nan, math.nan, math.nan, 0, "never struck"]
    estimate = float(units.sum()) / total
    if (events > 0).sum() < _MIN_STRUCK:
        return [estimate, math.nan, math.nan, int(total),
                f"ratio of sums; struck in fewer than {_MIN_STRUCK} replications: no interval"]

    def ratio(u: np.ndarray, e: np.ndarray, axis: int = -1) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return u.sum(axis=axis) / e.sum(axis=axis)

    with warnings.catch_warnings():  # a resample without any event has no ratio (NaN): left out below
        warnings.simplefilter("ignore")
        drawn = stats.bootstrap((units, events), ratio, paired=True, vectorized=True, method="percentile",
                                confidence_level=confidence, n_resamples=RESAMPLES,
                                random_state=np.random.default_rng(_SEED)).bootstrap_distribution
    tail = (1.0 - confidence) / 2
    low, high = np.nanquantile(drawn, [tail, 1.0 - tail])
    return [estimate, float(low), float(high), int(total),
            "ratio of sums over replications, paired bootstrap percentile (resamples holding an event)"]


def _median_days(spells: pd.DataFrame, horizon: int, confidence: float) -> list:
    """[median, low, high, events, method] of the events' days from onset to service back."""
    if not len(spells):
        return [math.nan, math.nan, math.nan, 0, "never struck, or reaches no market"]
    days = (spells.back_day - spells.onset).to_numpy(float)
    ended = spells.back_day.to_numpy() < horizon
    q = km_quantile(days, ended, 0.5, confidence)
    censored = int((~ended).sum())
    return [q.estimate, q.low, q.high, len(days),
            f"Kaplan-Meier median over events, {censored} censored at the horizon"]
