"""The ripple trace's day of service back (resim.experiment.ripple), worked out once per market and
event for every reach, against a day-by-day scan of the rolling fill rate."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
from hypothesis import given
from hypothesis import strategies as hs

from resim.experiment.ripple import _Service
from resim.scenario.format.strategies import Metrics

SETTINGS = Metrics(window_days=3, hold_days=3, baseline_days=4)


def scanned_back(rolling: list[float], onset: int, end: int, reach: float, settings: Metrics) -> int:
    """The day service is back, scanned day by day as docs/model.md defines it."""
    horizon = len(rolling)
    before = rolling[max(0, onset - settings.baseline_days):onset]
    base = sum(before) / len(before) if before else 1.0
    stop = int(min(horizon, end + reach + settings.window_days))
    dip = next((t for t in range(onset, stop) if rolling[t] < settings.failure_level * base), None)
    if dip is None:
        return end
    hold = settings.hold_days
    return next((t for t in range(dip + 1, horizon - hold + 1)
                 if all(r >= settings.recovery_level * base for r in rolling[t:t + hold])), horizon)


@given(rolling=hs.lists(hs.sampled_from([0.0, 0.5, 0.9, 0.95, 1.0]), min_size=2, max_size=40),
       data=hs.data())
def test_service_back_equals_a_scan_for_every_reach(rolling, data):
    horizon = len(rolling)
    onset = data.draw(hs.integers(0, horizon - 1))
    end = data.draw(hs.none() | hs.integers(onset + 1, horizon + 5))
    service = _Service(np.array(rolling), SimpleNamespace(day=onset, end=end), SETTINGS, horizon)
    for reach in (0.0, 1.5, 4.0, 30.0):
        assert service.back(reach) == scanned_back(rolling, onset, min(end or horizon, horizon), reach, SETTINGS)
