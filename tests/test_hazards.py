"""Hazards (a disruption with ``rate_per_year``): events drawn per replication as a Poisson
process (resim.sim.disruptions.hazard_onsets), seasonal, each with its own duration and severity,
recurring and overlapping; and R1's likelihood from the rate (resim.experiment.catalogue)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import resim
from resim.core.streams import Streams
from resim.experiment.catalogue import likelihood
from resim.sim.disruptions import sample_occurrences
from tests.chains import hand_chain

RUNS = 2000


def hazard(**fields) -> dict:
    return {"id": "cut", "type": "capacity_loss", "nodes": ["plant"], "rate_per_year": 3.0,
            "duration_days": 5, **fields}


def chain(horizon: int = 730, **fields) -> resim.Scenario:
    return hand_chain(horizon=horizon, a_level=200).replace(
        **{"nodes[plant].capacity_per_day": 40}, disruptions=[hazard(**fields)])


def events(sc: resim.Scenario, runs: int = RUNS) -> list[list]:
    return [sample_occurrences(sc, Streams(sc.seed, r)) for r in range(runs)]


def test_event_counts_are_poisson_at_the_catalogue_rate():
    # 3 a year over 730 days: 6 expected per replication. The mean of 2,000 counts lies within
    # 4 standard errors (sqrt(6 / 2000)) of 6, and the dispersion test (sum (x - m)^2 / m against
    # chi-square with n - 1 degrees of freedom) does not reject a Poisson variance.
    counts = np.array([len(run) for run in events(chain())])
    expected = 3.0 * 730 / 365
    assert abs(counts.mean() - expected) < 4 * math.sqrt(expected / RUNS)
    dispersion = ((counts - counts.mean()) ** 2).sum() / counts.mean()
    p = 2 * min(stats.chi2.cdf(dispersion, RUNS - 1), stats.chi2.sf(dispersion, RUNS - 1))
    assert p > 0.001
    assert all(o.number == k for run in events(chain(), 50) for k, o in enumerate(run))


def test_seasonal_onsets_follow_the_monthly_factors():
    # Factors 3 in January, 1 in July, 0 otherwise: a quarter of the events in July, none outside
    # the two months; the count per year is still the rate (the factors are scaled to mean 1).
    factors = [3, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0]
    runs = events(chain(horizon=365, seasonality=factors))
    months = np.array([min(o.start * 12 // 365, 11) for run in runs for o in run])
    assert set(months) <= {0, 6}
    observed = [(months == 0).sum(), (months == 6).sum()]
    assert stats.chisquare(observed, np.array([0.75, 0.25]) * len(months)).pvalue > 0.001
    assert abs(len(months) / RUNS - 3.0) < 4 * math.sqrt(3.0 / RUNS)


def test_each_event_draws_its_severity_and_duration():
    runs = events(chain(severity_distribution="uniform(0.2, 0.6)", duration_days="uniform(2, 30)"), 500)
    occurrences = [o for run in runs for o in run]
    severities = np.array([o.severity for o in occurrences])
    assert ((severities >= 0.2) & (severities <= 0.6)).all()
    assert abs(severities.mean() - 0.4) < 4 * (0.4 / math.sqrt(12)) / math.sqrt(len(severities))
    assert len({o.end - o.start for o in occurrences}) > 10
    sc = chain(severity_distribution="uniform(0.2, 0.6)")
    assert sc.disruptions[0].mean_severity == pytest.approx(0.4)


@pytest.mark.slow
def test_overlapping_events_each_take_their_share_and_are_undone_by_their_own_end():
    # 40 events a year of 10 days each over 200 days: events overlap. On each day the plant's
    # capacity factor is the product of (1 - severity) over the events in force, every one of
    # them under its own cause, and 1 once none is.
    from resim.experiment.runner import prepare

    sc = chain(horizon=200, rate_per_year=40.0, duration_days=10, severity_distribution="uniform(0.2, 0.6)")
    model, _ = prepare(sc, "none", 0, sc.seed)
    plant = model.net.node_index["plant"]
    seen = {}
    model.on_day_start(lambda m, day: seen.__setitem__(day, float(m.levers["capacity"][plant])))
    model.run()
    occurrences = model.occurrences
    assert max(sum(o.start <= d < o.end for o in occurrences) for d in range(200)) >= 2   # overlaps happen
    for day, factor in seen.items():
        expected = math.prod(1.0 - o.severity for o in occurrences if o.start <= day < o.end)
        assert factor == pytest.approx(expected), day


def test_the_same_events_meet_every_strategy_of_a_replication():
    sc = chain().replace(strategies=[{"id": "stock", "actions": ["buffer"], "buffer": {"A": 10}}])
    from resim.experiment.runner import prepare

    seen = [[(o.start, o.end, o.severity) for o in prepare(sc, s, 3, sc.seed)[0].occurrences] for s in ("none", "stock")]
    assert seen[0] == seen[1] and len(seen[0]) > 0


def test_r1_likelihood_is_the_rate_and_the_expected_loss_rate_times_impact():
    sc = chain()
    row = likelihood(sc.disruptions[0], sc.horizon_days)
    assert row == {"likelihood": "hazard rate", "events_per_year": 3.0,
                   "probability_per_year": pytest.approx(1 - math.exp(-3.0))}
    fixed = chain().replace(disruptions=[{"id": "f", "type": "supplier_failure", "nodes": ["sA"], "onset_day": 50,
                                          "duration_days": 5}])
    assert likelihood(fixed.disruptions[0], 730) == {"likelihood": "fixed date (assumed certain)",
                                                     "events_per_year": 0.5, "probability_per_year": 0.5}
    # A breakdown process from day 100 for 300 days, up 40 days on average and repaired in
    # uniform(1, 9) (mean 5): 300 / 45 repairs over a 730-day horizon, 300 / 45 x 365 / 730 a year.
    process = chain().replace(disruptions=[{"id": "b", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 100,
                                            "duration_days": 300, "mtbf_days": "exponential(40)",
                                            "mttr_days": "uniform(1, 9)", "severity": 0.5}])
    rate = 300 / 45 * 365 / 730
    assert likelihood(process.disruptions[0], 730) == {"likelihood": "breakdown process",
                                                       "events_per_year": pytest.approx(rate),
                                                       "probability_per_year": pytest.approx(1 - math.exp(-rate))}


@pytest.mark.slow
def test_the_register_ranks_a_hazard_by_rate_times_its_impact():
    sc = chain(horizon=365).replace(**{"disruptions[cut].severity": 0.9, "disruptions[cut].duration_days": 30})
    result = resim.assess_risk(sc, replications=4)
    row = result.register.set_index("disruption").loc["cut"]
    assert row.likelihood == "hazard rate" and row.events_per_year == 3.0
    if row.profit_effect == "loss":
        assert row.expected_loss_per_year == pytest.approx(3.0 * row.impact_loss)


@pytest.mark.parametrize("change, message", [
    ({"disruptions[cut].rate_per_year": -1.0}, "rate_per_year"),
    ({"disruptions[cut].rate_per_year": 10_000.0}, "rate_per_year"),
    ({"disruptions[cut].seasonality": [1, 2, 3]}, "seasonality"),
    ({"disruptions[cut].onset_day": 5}, "give one of onset_day, annual_probability or rate_per_year"),
    ({"disruptions[cut].severity": 0.5, "disruptions[cut].severity_distribution": "uniform(0, 1)"},
     "severity or severity_distribution"),
])
def test_a_bad_hazard_is_refused_in_one_line(change, message):
    with pytest.raises(resim.ScenarioError, match=message):
        chain().replace(**change)


# -- the shipped catalogue (hazards: {catalogue: default}) ------------------------------------------

def test_the_catalogue_adds_the_hazards_of_the_countries_of_the_chain():
    from resim.scenario.format.hazards import catalogue_entries

    sc = hand_chain(horizon=365).replace(hazards={"catalogue": "default"})   # nodes in CN and DE
    added = {d.id: d for d in sc.disruptions}
    expected = {f"{e['kind']}_{e['country'].lower()}" for e in catalogue_entries()
                if e["country"] in {"CN", "DE"} and e["kind"] != "port_strike"}   # no sea lane to strike
    assert set(added) == expected and expected
    quake = added["earthquake_cn"]
    entry = next(e for e in catalogue_entries() if e["kind"] == "earthquake" and e["country"] == "CN")
    assert quake.rate_per_year == entry["rate_per_year"] and quake.footprint.countries == ("CN",)
    # Read back from its own dump (as Scenario.replace does), nothing is added twice.
    assert len(sc.replace(horizon_days=400).disruptions) == len(expected)


def test_the_catalogue_is_chosen_by_country_and_kind_and_scaled():
    sc = hand_chain(horizon=365).replace(hazards={"countries": ["JP", "CN"], "kinds": ["typhoon"], "rate_factor": 2})
    assert {d.id: d.rate_per_year for d in sc.disruptions} == {"typhoon_jp": 6.0, "typhoon_cn": 14.0}
    own = {"id": "typhoon_cn", "type": "natural_disaster", "footprint": {"countries": ["CN"]}, "rate_per_year": 1.0,
           "duration_days": 2}
    mine = hand_chain(horizon=365).replace(disruptions=[own], hazards={"kinds": ["typhoon"]})
    assert [(d.id, d.rate_per_year) for d in mine.disruptions] == [("typhoon_cn", 1.0)]   # the scenario's wins


def test_every_catalogue_entry_is_a_valid_hazard():
    from resim.scenario.format.hazards import catalogue_entries

    # sA (CN) ships to the plant (DE) by sea: of the port strikes, only Germany's has a lane to close.
    countries = sorted({e["country"] for e in catalogue_entries()})
    sc = hand_chain(horizon=365).replace(**{"lanes[sA->plant].mode": "sea"}, hazards={"countries": countries})
    strikes = [e for e in catalogue_entries() if e["kind"] == "port_strike"]
    assert strikes and all(e["type"] == "logistics" and e["modes"] == ["sea"] for e in strikes)
    assert len(sc.disruptions) == len(catalogue_entries()) - len(strikes) + 1
    assert all(d.rate_per_year > 0 and d.severity_distribution is not None for d in sc.disruptions)
    for d in sc.disruptions:
        if d.seasonality is not None:
            assert len(d.seasonality) == 12 and sum(d.seasonality) > 0


def test_a_port_strike_closes_the_sea_lanes_of_its_country_at_its_rate():
    # hazards of Germany alone: the plant's sea lane from China is closed by port_strike_de (not the
    # road lanes), events arrive at the catalogue's rate, and each cuts the lane's capacity by its
    # drawn severity; a chain without sea lanes gets no port strike.
    from resim.scenario.format.hazards import catalogue_entries

    entry = next(e for e in catalogue_entries() if e["kind"] == "port_strike" and e["country"] == "DE")
    sc = hand_chain(horizon=365).replace(**{"lanes[sA->plant].mode": "sea"},
                                         hazards={"countries": ["DE"], "kinds": ["port_strike"]})
    (strike,) = sc.disruptions
    assert (strike.id, strike.type, strike.lanes) == ("port_strike_de", "logistics", ("sA->plant",))
    assert strike.rate_per_year == entry["rate_per_year"]
    counts = np.array([len(run) for run in events(sc, 1000)])
    assert abs(counts.mean() - entry["rate_per_year"]) < 4 * math.sqrt(entry["rate_per_year"] / 1000)
    road = hand_chain(horizon=365).replace(hazards={"countries": ["DE"], "kinds": ["port_strike"]})
    assert road.disruptions == ()


def test_a_fixed_date_disruption_draws_its_severity_per_replication_the_same_for_every_strategy():
    # A discrete severity of 0 or 1, each with weight 1, on a fixed-date outage: over 400
    # replications about half the events are total (within 4 standard errors of 200), none are
    # partial, and both strategies of a replication meet the same severity.
    from resim.experiment.runner import prepare

    sc = chain(horizon=120).replace(disruptions=[{
        "id": "cut", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 20, "duration_days": 10,
        "severity_distribution": {"dist": "discrete", "values": [0, 1], "weights": [1, 1]}}])
    drawn = [o.severity for run in events(sc, 400) for o in run]
    assert len(drawn) == 400 and set(drawn) == {0.0, 1.0}
    assert abs(sum(drawn) - 200) < 4 * math.sqrt(400 * 0.25)
    seen = [[o.severity for o in prepare(sc, s, 7, sc.seed)[0].occurrences] for s in ("none", "stock")]
    assert seen[0] == seen[1]


@pytest.mark.slow
def test_the_register_averages_the_impact_over_the_severities_not_the_impact_of_the_mean_one():
    # The plant makes 40 a day against demand of 10: losing half its capacity for 30 days costs
    # nothing, losing all of it costs units. A hazard whose severity is 0 or 1 (mean 0.5) thus has
    # an impact between 0 and that of a total outage (Jensen: a loss convex in the severity), where
    # the impact of its mean severity would be 0.
    def register(**severity):
        sc = chain(horizon=365).replace(disruptions=[hazard(duration_days=30, **severity)])
        return resim.assess_risk(sc, replications=20, simulate_nodes=0).register.set_index("disruption").loc["cut"]

    half = register(severity=0.5)
    total = register(severity=1.0)
    either = register(severity_distribution={"dist": "discrete", "values": [0, 1], "weights": [1, 1]})
    assert half.impact_units == pytest.approx(0, abs=1e-9) and total.impact_units > 0
    assert 0 < either.impact_units < total.impact_units


def test_a_variant_takes_the_catalogue_again_from_what_changed():
    # The catalogue's hazards follow a variant's countries, lanes and hazards section; one the
    # change overrides stays, as the scenario's own.
    sc = hand_chain(horizon=365).replace(**{"lanes[sA->plant].mode": "sea"},
                                         hazards={"countries": ["DE"], "kinds": ["port_strike", "flood"]})
    assert {d.id for d in sc.disruptions} == {"port_strike_de", "flood_de"}
    assert [d.id for d in sc.replace(**{"lanes[sA->plant].mode": "road"}).disruptions] == ["flood_de"]
    assert sc.replace(hazards=None).disruptions == ()
    assert {d.id for d in sc.replace(**{"hazards.kinds": ["flood"]}).disruptions} == {"flood_de"}
    own = sc.replace(**{"disruptions[port_strike_de].rate_per_year": 5.0, "hazards.kinds": ["flood"]})
    assert {d.id: d.rate_per_year for d in own.disruptions}["port_strike_de"] == 5.0


@pytest.mark.slow
def test_the_register_gives_a_breakdown_process_per_repair_and_the_same_yearly_loss():
    # The process's every repair is simulated together; the register shows one repair's impact
    # (the whole over the expected repairs) at the repairs' rate, so the expected yearly loss is
    # the whole process's loss once in the horizon: loss x 365 / horizon.
    from resim.experiment.catalogue import breakdowns, quiet, simulate

    process = {"id": "b", "type": "capacity_loss", "nodes": ["plant"], "onset_day": 30, "duration_days": 300,
               "mtbf_days": "exponential(40)", "mttr_days": "uniform(4, 8)", "severity": 1.0}
    sc = chain(horizon=365).replace(disruptions=[process], **{"demand[0].price": 150, "demand[0].unmet": "lost_sales"})
    row = resim.assess_risk(sc, replications=8, simulate_nodes=0).register.set_index("disruption").loc["b"]
    options = dict(replications=8, seed=sc.seed, executor="serial", workers=None, scheduler=None)
    base = simulate(quiet(sc), **options)
    alone = simulate(quiet(sc).replace(disruptions=[process]), **options)
    whole = float((base.profit - alone.profit).mean())
    repairs = breakdowns(sc.disruptions[0], 365)
    assert repairs == pytest.approx(300 / 46) and row.likelihood == "breakdown process"
    assert row.profit_effect == "loss" and row.impact_loss == pytest.approx(whole / repairs)
    assert row.expected_loss_per_year == pytest.approx(whole * 365 / 365)
