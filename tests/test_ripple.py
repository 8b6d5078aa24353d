"""The ripple trace (resim.experiment.ripple): the day of service back, worked out once per market
and event for every reach, against a day-by-day scan of the rolling fill rate; overlapping
disruptions' shares of the units missed, against hand-worked splits and the ledger; and the
shortfall each strategy and lever closed (resim.experiment.levers)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as hs

import resim
from resim.core.formatting import units
from resim.experiment.levers import _available, credit
from resim.experiment.records import OrchestrationRow, RippleEvent
from resim.experiment.ripple import _Service, apportion, ripple_trace
from resim.report.html import _levers_table
from resim.scenario.format.strategies import ActionKind, Metrics
from resim.sim.engine import Model
from tests.chains import hand_chain

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


# -- apportioning overlapping disruptions ------------------------------------------------------

def test_two_overlapping_disruptions_split_each_day_by_their_severity_days():
    """Worked by hand. A: onset 2, in force [2, 8), severity 1, charged over [2, 10). B: onset 5,
    in force [5, 6), severity 0.5, charged over [5, 10). Severity-days in force up to each day:
    day 5: A 4, B 0.5 (shares 8/9, 1/9); day 6: A 5, B 0.5 (10/11, 1/11); days 7, 8, 9: A 6
    (it ends on day 8), B 0.5 (12/13, 1/13). Days 2-4 are A's alone; days 0-1 nobody's."""
    missed = np.array([100, 100, 3, 3, 3, 9, 11, 13, 13, 26], dtype=float)
    short = np.column_stack([missed, missed / 2])           # lost: half of each day's missed, for the second column
    charged = apportion(short, windows=[(2, 10), (5, 10)], in_force=[(2, 8), (5, 6)], severity=[1.0, 0.5])
    # A: 3 + 3 + 3 + 8 + 10 + 12 + 12 + 24 = 75; B: 1 + 1 + 1 + 1 + 2 = 6.
    assert charged[:, 0] == pytest.approx([75.0, 6.0])
    assert charged[:, 1] == pytest.approx([37.5, 3.0])
    # No double counting: the shares sum to the units missed in the union of the windows, [2, 10).
    assert charged[:, 0].sum() == pytest.approx(missed[2:].sum())


def test_a_lone_disruption_takes_its_whole_window_and_gaps_are_nobodys():
    short = np.arange(12, dtype=float)[:, None]
    assert apportion(short, [(3, 7)], [(3, 5)], [0.2])[:, 0] == pytest.approx([3 + 4 + 5 + 6])
    # Two windows with a gap between them: days 5-7 are in neither, so charged to neither.
    charged = apportion(short, [(2, 5), (8, 10)], [(2, 3), (8, 9)], [1.0, 1.0])
    assert charged[:, 0] == pytest.approx([2 + 3 + 4, 8 + 9])


def test_disruptions_without_severity_share_equally():
    """Severity 0 gives no severity-days: days 2 and 3, which both cover, are split half and half;
    the first takes days 0, 1, 4 and 5 alone: 40 + 10 and 10."""
    short = np.full((6, 1), 10.0)
    assert apportion(short, [(0, 6), (2, 4)], [(0, 6), (2, 4)], [0.0, 0.0])[:, 0] == pytest.approx([50.0, 10.0])


def two_failures(horizon: int = 80) -> resim.Scenario:
    """The hand chain's supplier down from day 10 for 30 days, and its plant from day 20 for 5
    (the plant's outage inside the supplier's)."""
    return hand_chain(horizon=horizon, a_level=200).replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 30},
        {"id": "press", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 20, "duration_days": 5}])


def test_the_traced_shares_of_overlapping_disruptions_sum_to_the_units_missed_in_their_union():
    scenario = two_failures()
    model = Model(scenario)
    ledger = model.run()
    gone, press = ripple_trace(model, None, "none", 0)
    assert (gone.disruption, press.disruption) == ("gone", "press")
    missed = ledger.market["demand"][:, 0] - ledger.market["on_time"][:, 0]
    # The union of their windows, from the ledger: [10, the later day service was back).
    union = missed[10:int(max(gone.back_day.max(), press.back_day.max()))].sum()
    assert union > 0
    assert gone.charged_units.sum() + press.charged_units.sum() == pytest.approx(union)
    # The plant's window lies inside the supplier's: without apportioning both would be charged
    # all of its window's units (missed_units, kept as it was), counting them twice.
    assert press.missed_units.sum() > 0 and gone.missed_units.sum() + press.missed_units.sum() > union
    # 5 severity-days against the supplier's 10 to 40 on each day both cover: the press's share is
    # less than a third of its window's units.
    assert press.charged_units.sum() < press.missed_units.sum() / 3


def test_a_lone_disruption_is_charged_every_unit_its_market_missed_in_its_window():
    scenario = hand_chain(horizon=80, a_level=200).replace(disruptions=[
        {"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10, "duration_days": 30}])
    model = Model(scenario)
    ledger = model.run()
    [event] = ripple_trace(model, None, "none", 0)
    missed = (ledger.market["demand"][:, 0] - ledger.market["on_time"][:, 0])[10:int(event.back_day[0])].sum()
    assert event.charged_units == pytest.approx([missed]) and event.missed_units == pytest.approx([missed])
    assert missed > 0


# -- the shortfall each strategy and lever closed ----------------------------------------------

def test_the_shortfall_a_strategy_closed_is_the_baseline_missed_less_its_own_in_the_same_replication():
    """A lone disruption, so the units charged are those missed in its window (tested above)."""
    scenario = hand_chain(horizon=80, a_level=200).replace(
        disruptions=[{"id": "gone", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 10,
                      "duration_days": 30}],
        strategies=[{"id": "buffer", "actions": ["buffer"], "buffer": {"A": 300}}])
    res = resim.run(scenario, replications=2, executor="serial")
    missed = res.ripple.set_index(["strategy", "replication"]).missed_units
    rows = res.levers.set_index("replication")
    assert list(rows.strategy) == ["buffer", "buffer"] and list(rows.lever) == ["buffer", "buffer"]
    for replication in (0, 1):
        row = rows.loc[replication]
        assert row.closed_units == pytest.approx(missed["none", replication] - missed["buffer", replication])
        assert row.closed_units > 0
        # The buffer made its 300 extra units available; it is credited what was closed, at most those.
        assert row.available_units == 300
        assert row.credited_units == pytest.approx(min(300, row.closed_units))
    # The report's table: per strategy and lever, the mean over the 2 replications.
    mean = rows.closed_units.sum() / 2
    assert f"<td>{units(mean)}</td>" in _levers_table(res).replace(' class=""', "")


def test_closed_units_are_shared_out_by_what_each_lever_made_available_and_never_above_it():
    assert credit(100.0, [150.0, 50.0]) == pytest.approx([75.0, 25.0])  # in proportion
    assert credit(300.0, [150.0, 50.0]) == pytest.approx([150.0, 50.0])  # capped: 200 of 300 credited
    assert credit(-5.0, [150.0, 50.0]) == [0.0, 0.0]                      # the strategy missed more
    assert credit(10.0, [0.0, 0.0]) == [0.0, 0.0]                         # no lever made anything available


def test_a_lever_makes_available_its_units_a_day_over_its_days_in_the_window_less_what_was_ended():
    """The window is [10, 30). An agreement for 10 A a day from day 12 to 40 gives 18 days in it
    (180 units); ended for cause from day 20, the 10 days [20, 30) are taken back: 80. An
    agreement answering another disruption counts for nothing; a standing one (no trigger) for
    the hit part A counts (10 x 18 more)."""
    scenario = two_failures()
    event = RippleEvent("maas_same_tier", 0, "gone", 10, "", np.zeros(1), np.zeros(1), np.array([30.0]),
                        np.array([50.0]), np.zeros(1))

    def action(trigger: str, part: str, start: int, status: str) -> OrchestrationRow:
        return OrchestrationRow("maas_same_tier", 0, "maas_same_tier", trigger, "offer", part, "plant", 10.0,
                                start, 40, 1.0, status, "")

    actions = [action("gone", "A", 12, "accepted"), action("gone", "A", 20, "ended"),
               action("press", "A", 12, "accepted")]
    assert _available(scenario, event, ActionKind.MAAS_SAME_TIER, actions) == 80.0
    assert _available(scenario, event, ActionKind.MAAS_SAME_TIER, [*actions, action("", "A", 12, "accepted")]) == 260.0
    assert _available(scenario, event, ActionKind.BUFFER, actions) == 0.0


def test_the_levers_of_a_combined_strategy_are_credited_no_more_than_it_closed(quickstart):
    res = resim.run(quickstart, replications=2, strategies=["none", "maas_and_circular"], executor="serial")
    levers = res.levers
    assert set(levers.lever) == {"maas_upstream", "circular"}
    per_event = levers.groupby(["replication", "disruption", "onset"])
    assert (per_event.credited_units.sum() <= per_event.closed_units.first().clip(lower=0) + 1e-9).all()
    assert (levers.credited_units <= levers.available_units).all() and levers.credited_units.sum() > 0
    # Closed: what none's trace charged the disruption less what this strategy's charged, summed once a market.
    charged = res.ripple.drop_duplicates(["strategy", "replication", "disruption", "onset", "market"]).groupby(
        ["strategy", "replication", "disruption", "onset"]).charged_units.sum()
    for row in levers.itertuples():
        key = (row.replication, row.disruption, row.onset)
        assert row.closed_units == pytest.approx(charged[("none", *key)] - charged[("maas_and_circular", *key)])
