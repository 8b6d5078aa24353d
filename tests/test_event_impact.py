"""Metrics per event (event_impact.csv): events a year against the hazard's rate, units short per
event against the replications' own shortfall, and the identity per year = rate x per event."""

from __future__ import annotations

import math

import numpy as np
import pytest

import resim
from tests.chains import hand_chain


def _run(disruptions: list[dict], *, horizon: int, replications: int) -> resim.Results:
    sc = hand_chain(horizon=horizon, a_level=200).replace(
        **{"nodes[plant].capacity_per_day": 40}, disruptions=disruptions, replications=replications)
    return resim.run(sc)


def _rows(res: resim.Results, disruption: str, strategy: str = "none") -> dict:
    table = res.event_impact
    rows = table[(table.strategy == strategy) & (table.disruption == disruption)]
    return {r.statistic: r for r in rows.itertuples()}


def test_one_event_a_run_costs_what_the_runs_missed():
    # A plant outage from day 20 for 5-15 days, once in 120 days: 365/120 events a year in every
    # replication (an interval of zero width), and nothing is missed outside its window, so the
    # units short an event are the mean of the replications' shortfall_units.
    res = _run([{"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 20,
                 "duration_days": "uniform(5, 15)"}], horizon=120, replications=20)
    rows = _rows(res, "cut")
    assert rows["events_per_year"].estimate == pytest.approx(365 / 120)
    assert rows["events_per_year"].ci_low == rows["events_per_year"].ci_high == pytest.approx(365 / 120)
    shortfall = res.replications.shortfall_units.to_numpy(float)
    assert shortfall.std() > 0  # the outage's drawn length matters
    per_event = rows["shortfall_per_event"]
    assert per_event.estimate == pytest.approx(shortfall.mean())
    assert per_event.n == 20
    assert shortfall.min() <= per_event.ci_low < per_event.estimate < per_event.ci_high <= shortfall.max()
    assert rows["shortfall_per_year"].estimate == pytest.approx(shortfall.mean() * 365 / 120)


def test_recurring_hazard_events_a_year_match_its_rate_and_per_year_is_rate_times_per_event():
    # 3 a year over two years, 200 replications: the events a year lie within 4 standard errors
    # (sqrt(3 x 2 / 200) / 2) of 3 and agree with events.csv; a year's units short are exactly
    # the events a year times the units short an event; every interval holds its estimate and
    # stays at or above 0.
    res = _run([{"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 3.0,
                 "duration_days": 5, "severity_distribution": "uniform(0.5, 1.0)"}],
               horizon=730, replications=200)
    rows = _rows(res, "cut")
    rate = rows["events_per_year"].estimate
    assert abs(rate - 3.0) < 4 * math.sqrt(3.0 * 2 / 200) / 2
    assert rate == pytest.approx(len(res.events) / 200 / 2)
    assert rows["shortfall_per_event"].n == len(res.events)
    assert rows["shortfall_per_year"].estimate == pytest.approx(rate * rows["shortfall_per_event"].estimate)
    for row in rows.values():
        assert 0 <= row.ci_low <= row.estimate <= row.ci_high
    assert res.events.severity.between(0.5, 1.0).all() and res.events.severity.std() > 0


def test_an_event_that_causes_no_dip_lasts_its_duration_for_the_markets():
    # Half the plant's 40 a day still covers demand of 10 a day: no dip, so service is "back" when
    # each 4-day event ends (ripple.csv back_day = its end): the median of the events' days
    # disrupted is exactly 4, with an interval of zero width, and nothing is charged.
    res = _run([{"id": "slow", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 6.0,
                 "duration_days": 4, "severity": 0.5}], horizon=365, replications=10)
    rows = _rows(res, "slow")
    assert rows["days_disrupted_median"].estimate == rows["days_disrupted_median"].ci_low == \
        rows["days_disrupted_median"].ci_high == 4
    assert rows["shortfall_per_event"].estimate == 0


def test_a_long_outage_is_disrupted_at_least_as_long_as_it_lasts():
    # The plant stops for 30 days from day 20 (stock covers 3 days): service is back only after
    # the outage, so every event's days disrupted are at least 30 and the median too.
    res = _run([{"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 20,
                 "duration_days": 30}], horizon=120, replications=3)
    spells = res.ripple.groupby(["replication", "onset"]).back_day.max() - 20
    assert (spells >= 30).all()
    assert _rows(res, "cut")["days_disrupted_median"].estimate == pytest.approx(float(np.median(spells)))


def test_a_hazard_that_never_struck_has_no_events_and_no_per_event_figure():
    res = _run([{"id": "rare", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 0.001,
                 "duration_days": 5}], horizon=60, replications=5)
    rows = _rows(res, "rare")
    assert len(res.events) == 0
    assert rows["events_per_year"].estimate == rows["shortfall_per_year"].estimate == 0
    assert np.isnan(rows["shortfall_per_event"].estimate) and rows["shortfall_per_event"].method == "never struck"
    assert np.isnan(rows["days_disrupted_median"].estimate)


def test_the_report_shows_the_events_of_a_run_where_they_recur(tmp_path):
    res = _run([{"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 3.0,
                 "duration_days": 5}], horizon=365, replications=10)
    folder = res.save(tmp_path / "out", figures="none")
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "<h2>Events</h2>" in html and "units short an event: none" in html
    assert "days disrupted (median): none" in html
    assert (folder / "event_impact.csv").exists()


def test_a_run_where_a_disruption_recurs_says_how_its_recovery_time_is_timed():
    # Without metrics.reference the run's recovery counts from the first onset: a recurring hazard
    # gets a note saying so, with the events a replication from events.csv; a reference, or a
    # disruption that happens once, gets none.
    hazard = {"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 6.0, "duration_days": 2}
    res = _run([hazard], horizon=365, replications=4)
    (note,) = [n for n in res.comparison.notes if "recur" in n]
    assert note.startswith("cut recurs within a replication") and f"({len(res.events) / 4:.1f} events" in note
    assert res.info["notes"] == res.comparison.notes
    timed = resim.run(hand_chain(horizon=365, a_level=200).replace(
        disruptions=[hazard], **{"metrics.reference": "cut"}), replications=4)
    assert not any("recur" in n for n in timed.comparison.notes)
    once = _run([{"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 20, "duration_days": 5}],
                horizon=120, replications=4)
    assert not any("recur" in n for n in once.comparison.notes)
