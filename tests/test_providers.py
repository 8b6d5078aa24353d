"""Provider pools: pool_frame against the quickstart file, the generator's documented bands,
reproducibility, and the CSV a scenario reads back."""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

import resim
from resim.core.dists import parse_dist
from resim.scenario.format.maas import Offering
from resim.supply.bands import FAMILIES, OFFERING_FIGURES, PROCESS_FAMILY, PROVIDER_FIGURES
from resim.supply.generator import distributions, generate_pool
from resim.supply.pool import COLUMNS, OFFERING_FIELDS, offerings_from_frame, pool_frame, write_pool_csv
from resim.supply.population import COUNTRIES, MAX_OFFERINGS_PER_PROVIDER, PROFILES
from resim.scenario.taxonomy import CERTIFICATIONS, check_process

QUICKSTART = Path(__file__).resolve().parent.parent / "scenarios" / "quickstart.yaml"
TRIANGULAR = re.compile(r"^triangular\((\d+), (\d+), (\d+)\)$")


@pytest.fixture(scope="module")
def quickstart():
    return resim.load_scenario(QUICKSTART)


@pytest.fixture(scope="module")
def big_pool():
    return generate_pool(20_000, seed=11)


def _triangular_moments(a: float, c: float, b: float) -> tuple[float, float]:
    """Mean and sd of triangular(a, c, b) from the textbook formulas."""
    return (a + b + c) / 3, math.sqrt((a * a + b * b + c * c - a * b - a * c - b * c) / 18)


# ---------------------------------------------------------------------------------------------
# pool_frame

def test_pool_frame_spot_checks_computed_by_hand_from_the_quickstart(quickstart):
    frame = pool_frame(quickstart.maas.providers).set_index("id")
    smt = frame.loc["smt_pl_1"]
    assert (smt.provider, smt.process, smt.process_group) == ("ems_wroclaw", "joining/smt_assembly", "joining")
    assert smt.certifications == frozenset({"ISO 9001", "IPC-A-610"})
    assert (smt.size_l_mm, smt.size_w_mm, smt.size_h_mm) == (400, 300, 50)
    assert math.isnan(smt.tolerance_mm) and smt.materials == ()
    assert (smt.capacity_per_day, smt.setup_cost, smt.unit_price, smt.expedite_premium) == (60, 8000, 72, 0.3)
    assert smt.lead_time_days == "triangular(5, 7, 10)"
    assert smt.lead_time_mean == pytest.approx(22 / 3)                    # (5 + 7 + 10) / 3
    assert smt.lead_time_sd == pytest.approx(math.sqrt(19 / 18))          # (25+49+100-35-50-70)/18
    assert smt.onboarding_days == "triangular(14, 21, 35)"
    assert smt.onboarding_mean == pytest.approx(70 / 3)
    assert (smt.conformance_rate, smt.on_time_rate) == (0.985, 0.94)
    assert (smt.country, smt.region, smt.lat, smt.lon) == ("PL", "europe", 51.1, 17.0)
    assert not smt.export_controlled

    cnc = frame.loc["cnc_cz_1"]
    assert (cnc.process, cnc.process_group) == ("cutting/milling/5-axis", "cutting")
    assert cnc.materials == ("AlSi10Mg", "6082-T6")
    assert cnc.tolerance_mm == 0.02
    assert (cnc.size_l_mm, cnc.size_w_mm, cnc.size_h_mm) == (600, 400, 300)
    assert cnc.certifications == frozenset()
    assert cnc.expedite_premium == 0.0                                    # the default
    assert cnc.lead_time_mean == pytest.approx(19 / 3)                    # (4 + 6 + 9) / 3
    assert math.isnan(cnc.lat) and math.isnan(cnc.lon)

    magnet = frame.loc["magnet_vn_1"]
    assert magnet.process == "primary_shaping/sintering" and magnet.materials == ("NdFeB N42SH",)
    assert math.isnan(magnet.size_l_mm) and math.isnan(magnet.tolerance_mm)
    assert (magnet.unit_price, magnet.capacity_per_day) == (3.4, 2000)
    assert magnet.onboarding_mean == pytest.approx(95 / 3)                # (20 + 30 + 45) / 3
    assert (magnet.conformance_rate, magnet.on_time_rate) == (0.97, 0.9)


def test_pool_frame_equals_every_value_written_in_the_quickstart(quickstart):
    raw = yaml.safe_load(QUICKSTART.read_text(encoding="utf-8"))["maas"]["providers"]
    frame = pool_frame(quickstart.maas.providers)
    assert list(frame.columns) == list(COLUMNS)
    assert frame.id.tolist() == [entry["id"] for entry in raw]
    for entry, row in zip(raw, frame.itertuples(index=False)):
        assert (row.provider, row.process, row.country, row.region) == (
            entry["provider"], entry["process"], entry["country"], entry["region"])
        assert row.process_group == entry["process"].split("/")[0]
        assert row.materials == tuple(entry.get("materials", ()))
        assert row.certifications == frozenset(entry.get("certifications", ()))
        size = entry.get("size_mm")
        got_size = (row.size_l_mm, row.size_w_mm, row.size_h_mm)
        assert got_size == tuple(size) if size else all(math.isnan(x) for x in got_size)
        for name, default in (("tolerance_mm", math.nan), ("lat", math.nan), ("lon", math.nan),
                              ("setup_cost", 0.0), ("expedite_premium", 0.0),
                              ("conformance_rate", 0.99), ("on_time_rate", 0.95)):
            want, got = entry.get(name, default), getattr(row, name)
            assert (math.isnan(got) and math.isnan(want)) or got == want, (entry["id"], name)
        assert (row.capacity_per_day, row.unit_price) == (entry["capacity_per_day"], entry["unit_price"])
        assert row.export_controlled == entry.get("export_controlled", False)
        for text_column, mean_column, sd_column in (("lead_time_days", "lead_time_mean", "lead_time_sd"),
                                                    ("onboarding_days", "onboarding_mean", None)):
            text = entry[text_column]
            assert getattr(row, text_column) == text
            a, c, b = (float(x) for x in TRIANGULAR.match(text).groups())
            mean, sd = _triangular_moments(a, c, b)
            assert getattr(row, mean_column) == pytest.approx(mean)
            if sd_column:
                assert getattr(row, sd_column) == pytest.approx(sd)


def test_pool_frame_of_no_offerings_has_the_columns_and_types():
    empty = pool_frame([])
    assert list(empty.columns) == list(COLUMNS) and len(empty) == 0
    assert empty.unit_price.dtype == float and empty.export_controlled.dtype == bool


def test_pool_frame_reads_other_distributions_and_missing_fields():
    offering = Offering(id="x", provider="p", process="coating/anodizing", capacity_per_day=5,
                        unit_price=2, lead_time_days=4, onboarding_days="normal(10, 2)",
                        country="DE", region="europe")
    [row] = pool_frame([offering]).itertuples(index=False)
    assert (row.lead_time_days, row.lead_time_mean, row.lead_time_sd) == ("4", 4.0, 0.0)
    assert (row.onboarding_days, row.onboarding_mean) == ("normal(10, 2)", 10.0)
    assert row.materials == () and row.certifications == frozenset()


# ---------------------------------------------------------------------------------------------
# generate_pool: shape and reproducibility

def test_the_same_seed_gives_the_same_pool_and_another_seed_another():
    pd.testing.assert_frame_equal(generate_pool(500, seed=4), generate_pool(500, seed=4))
    assert not generate_pool(500, seed=4).equals(generate_pool(500, seed=5))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 100, 1001])
def test_a_pool_has_n_offerings_from_about_n_over_3_providers(n):
    pool = generate_pool(n, seed=n)
    assert list(pool.columns) == list(COLUMNS) and len(pool) == n
    assert pool.id.is_unique
    assert pool.provider.nunique() == math.ceil(n / 3)
    assert pool.groupby("provider").size().max() <= MAX_OFFERINGS_PER_PROVIDER
    assert not pool.duplicated(["provider", "process"]).any()      # a process once per provider
    for provider, rows in pool.groupby("provider"):
        assert rows[["country", "region", "lat", "lon", "on_time_rate", "export_controlled"]].nunique().max() == 1
        assert all(i.startswith(provider + ".") for i in rows.id)


def test_zero_offerings_and_negative_counts():
    assert len(generate_pool(0)) == 0 and list(generate_pool(0).columns) == list(COLUMNS)
    with pytest.raises(ValueError, match="at least 0"):
        generate_pool(-1)


def test_generated_and_scenario_pools_have_the_same_column_types(quickstart):
    assert generate_pool(50).dtypes.to_dict() == pool_frame(quickstart.maas.providers).dtypes.to_dict()


def test_generated_offerings_are_valid_offerings_and_pool_frame_gives_them_back():
    pool = generate_pool(300, seed=2)
    offerings = offerings_from_frame(pool)
    pd.testing.assert_frame_equal(pool_frame(offerings), pool)


# ---------------------------------------------------------------------------------------------
# generate_pool: every value within its documented band

def test_process_paths_pass_the_taxonomy_and_cover_the_main_processes(big_pool):
    for path in big_pool.process.unique():
        assert check_process(path) == path
        assert path in PROCESS_FAMILY
    assert (big_pool.process_group == big_pool.process.str.split("/").str[0]).all()
    offered = set(big_pool.process)
    for wanted in ("cutting/milling/3-axis", "cutting/milling/5-axis", "cutting/turning",
                   "primary_shaping/injection_moulding", "primary_shaping/die_casting",
                   "forming/stamping", "forming/bending", "cutting/laser_cutting",
                   "joining/smt_assembly", "joining/assembly", "joining/welding",
                   "primary_shaping/additive_manufacturing/sls",
                   "primary_shaping/additive_manufacturing/dmls", "coating/powder_coating",
                   "changing_material_properties/heat_treatment"):
        assert wanted in offered, wanted


def test_every_table_process_is_valid_and_reachable():
    in_profiles = {p for prof in PROFILES.values() for p in prof.processes}
    assert in_profiles == set(PROCESS_FAMILY)
    assert set(PROCESS_FAMILY.values()) == set(FAMILIES)
    for path in PROCESS_FAMILY:
        assert check_process(path) == path
    assert sum(p.share for p in PROFILES.values()) == pytest.approx(1.0)
    assert all(len(p.processes) >= 3 for p in PROFILES.values())   # room for n/3 providers


def test_prices_setup_costs_and_capacities_lie_in_their_family_bands(big_pool):
    factor = PROVIDER_FIGURES["cost_factor"]
    level = big_pool.country.map({c: place.cost_level for c, place in COUNTRIES.items()})
    for name, rows in big_pool.groupby(big_pool.process.map(PROCESS_FAMILY)):
        fam = FAMILIES[name]
        lv = level[rows.index]
        price, setup = rows.unit_price, rows.setup_cost
        assert (price >= fam.unit_price.low * lv * factor.low - 0.005).all(), name
        assert (price <= fam.unit_price.high * lv * factor.high + 0.005).all(), name
        assert (price > 0).all()
        assert (setup >= fam.setup_cost.low * lv * factor.low - 0.5).all(), name
        assert (setup <= fam.setup_cost.high * lv * factor.high + 0.5).all(), name
        capacity = rows.capacity_per_day
        assert (capacity >= max(1, round(fam.capacity_per_day.low))).all(), name
        assert (capacity <= round(fam.capacity_per_day.high)).all(), name
        assert (capacity == np.round(capacity)).all()


def test_tolerances_and_size_envelopes_lie_in_their_family_bands(big_pool):
    for name, rows in big_pool.groupby(big_pool.process.map(PROCESS_FAMILY)):
        fam = FAMILIES[name]
        if fam.tolerance_mm is None:
            assert rows.tolerance_mm.isna().all(), name
        else:
            assert rows.tolerance_mm.isin(fam.tolerance_mm.values).all(), name
        lengths = [c.length_mm for c in fam.classes]
        if lengths[0] is None:
            assert rows[["size_l_mm", "size_w_mm", "size_h_mm"]].isna().all().all(), name
            continue
        l, w, h = rows.size_l_mm, rows.size_w_mm, rows.size_h_mm
        assert (l >= min(b.low for b in lengths) - 0.5).all() and (l <= max(b.high for b in lengths) + 0.5).all(), name
        # each side is rounded to whole mm after the next one was computed from the unrounded side
        slack_w, slack_h = 0.5 + 0.5 * fam.width_ratio.high, 0.5 + 0.5 * fam.height_ratio.high
        assert (w >= l * fam.width_ratio.low - slack_w).all(), name
        assert (w <= l * fam.width_ratio.high + slack_w).all(), name
        assert (h >= w * fam.height_ratio.low - slack_h).all(), name
        assert (h <= w * fam.height_ratio.high + slack_h).all(), name
        assert (rows[["size_l_mm", "size_w_mm", "size_h_mm"]] >= 1).all().all()


def test_lead_times_and_onboarding_are_triangular_in_their_bands(big_pool):
    low_f, high_f = OFFERING_FIGURES["lead_time_low_factor"], OFFERING_FIGURES["lead_time_high_factor"]
    extra = OFFERING_FIGURES["onboarding_sector_extra"]
    for name, rows in big_pool.groupby(big_pool.process.map(PROCESS_FAMILY)):
        fam = FAMILIES[name]
        modes = [c.lead_time_mode for c in fam.classes]
        lead = np.array([[int(x) for x in TRIANGULAR.match(t).groups()] for t in rows.lead_time_days])
        a, c, b = lead.T
        assert ((c >= min(m.low for m in modes)) & (c <= max(m.high for m in modes))).all(), name
        assert (a >= np.maximum(np.floor(c * low_f.low), 1)).all()
        assert (a <= np.maximum(np.floor(c * low_f.high), 1)).all()
        assert (b >= np.maximum(np.ceil(c * high_f.low), c + 1)).all()
        assert (b <= np.maximum(np.ceil(c * high_f.high), c + 1)).all()
        onboarding = np.array([[int(x) for x in TRIANGULAR.match(t).groups()] for t in rows.onboarding_days])
        mode = onboarding[:, 1]
        assert ((mode >= fam.onboarding_mode.low) & (mode <= fam.onboarding_mode.high + extra.high)).all(), name
        assert (onboarding[:, 0] >= 1).all() and (onboarding[:, 0] <= mode).all() and (onboarding[:, 2] > mode).all()
    sample = big_pool.sample(300, random_state=0)
    for row in sample.itertuples():
        lead, onboarding = parse_dist(row.lead_time_days), parse_dist(row.onboarding_days)
        assert str(lead) == row.lead_time_days
        assert (row.lead_time_mean, row.lead_time_sd) == (pytest.approx(lead.mean), pytest.approx(lead.sd))
        assert row.onboarding_mean == pytest.approx(onboarding.mean)


def test_injection_moulding_lead_times_follow_the_protolabs_size_classes(big_pool):
    moulding = big_pool[big_pool.process == "primary_shaping/injection_moulding"]
    mode = moulding.lead_time_days.map(lambda t: int(TRIANGULAR.match(t).group(2)))
    length = moulding.size_l_mm
    assert mode[length < 150].between(7, 10).all()           # small parts: 7 days at Protolabs
    assert mode[(length > 150) & (length < 500)].between(15, 20).all()  # standard: 15 days
    assert mode[length > 500].between(20, 28).all()           # 'Mega': 20 days
    assert min((length < 150).sum(), (length > 500).sum()) > 20


def test_quality_reliability_expedite_and_places_lie_in_their_bands(big_pool):
    assert big_pool.conformance_rate.between(0.97, 0.999).all()
    assert big_pool.on_time_rate.between(0.85, 0.99).all()
    assert 0.95 < big_pool.on_time_rate.median() < 0.97
    expedite = big_pool.expedite_premium
    assert ((expedite == 0) | expedite.between(0.15, 0.6)).all()
    assert 0.65 < (expedite > 0).mean() < 0.85
    assert 25 <= big_pool.country.nunique() <= len(COUNTRIES)
    jitter = PROVIDER_FIGURES["coordinate_jitter_deg"].high + 0.001
    for code, rows in big_pool.groupby("country"):
        place = COUNTRIES[code]
        assert (rows.region == place.region).all()
        hubs = np.array([[lat, lon] for _, lat, lon in place.hubs])
        near = ((np.abs(rows.lat.to_numpy()[:, None] - hubs[:, 0]) <= jitter)
                & (np.abs(rows.lon.to_numpy()[:, None] - hubs[:, 1]) <= jitter)).any(axis=1)
        assert near.all(), code


def test_materials_and_certifications_are_consistent(big_pool):
    family = big_pool.process.map(PROCESS_FAMILY)
    for name, materials in zip(family, big_pool.materials):
        allowed = FAMILIES[name].materials
        assert set(materials) <= set(allowed)
        assert bool(materials) == bool(allowed)
    known = set(CERTIFICATIONS)
    for certs, country, controlled in zip(big_pool.certifications, big_pool.country, big_pool.export_controlled):
        assert certs <= known
        if certs & {"IATF 16949", "AS9100", "ISO 13485"}:
            assert "ISO 9001" in certs
        if "ITAR" in certs:
            assert country == "US" and controlled
        if "NADCAP" in certs:
            assert "AS9100" in certs
    by_provider = big_pool.drop_duplicates("provider")
    assert 0.75 < by_provider.certifications.map(lambda c: "ISO 9001" in c).mean() < 0.85
    assert 0.01 < by_provider.export_controlled.mean() < 0.08
    smt = big_pool[big_pool.process == "joining/smt_assembly"]
    assert 0.6 < smt.certifications.map(lambda c: "IPC-A-610" in c).mean() < 0.8


def test_every_figure_has_a_source_that_cites_or_says_assumption():
    table = distributions()
    assert len(table) > 100 and table.source.str.len().min() > 10
    marked = table.source.str.contains(r"\[verified\]|assumption|^definition", regex=True)
    assert marked.all(), table[~marked]
    figures = set(table.figure)
    assert {"unit_price", "setup_cost", "capacity_per_day", "tolerance_mm", "onboarding_mode"} <= figures


# ---------------------------------------------------------------------------------------------
# write_pool_csv

def _scenario_with_csv_pool(folder: Path) -> Path:
    """The quickstart with its inline offerings replaced by ``{csv: pool.csv}``."""
    text = QUICKSTART.read_text(encoding="utf-8")
    text, found = re.subn(r"(?ms)^maas:\n  providers:\n.*?(?=^  \S)", "maas:\n  providers: {csv: pool.csv}\n", text)
    assert found == 1
    path = folder / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_generated_pool_written_as_csv_validates_in_a_real_scenario(tmp_path):
    pool = generate_pool(200, seed=8)
    write_pool_csv(pool, tmp_path / "pool.csv")
    scenario = resim.load_scenario(_scenario_with_csv_pool(tmp_path))
    assert len(scenario.maas.providers) == 200
    pd.testing.assert_frame_equal(pool_frame(scenario.maas.providers), pool)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pool.csv", "scenario.yaml"]   # no temporary left


def test_the_csv_has_offering_headers_and_readable_cells(tmp_path):
    pool = generate_pool(30, seed=1)
    write_pool_csv(pool, tmp_path / "sub" / "pool.csv")
    lines = (tmp_path / "sub" / "pool.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",") == list(OFFERING_FIELDS) and len(lines) == 31
    table = pd.read_csv(tmp_path / "sub" / "pool.csv", dtype=str, keep_default_na=False)
    sized = table[table.size_mm != ""]
    assert sized.size_mm.str.fullmatch(r"\[\d+, \d+, \d+\]").all()
    assert table.lead_time_days.str.fullmatch(r"triangular\(\d+, \d+, \d+\)").all()
    assert set(table.export_controlled) <= {"true", "false"}
    for cell, certs in zip(table.certifications, pool.certifications):
        names = cell.split("; ") if cell else []
        assert set(names) == certs and names == [c for c in CERTIFICATIONS if c in certs]
    for cell, materials in zip(table.materials, pool.materials):
        assert cell == "; ".join(materials)
    assert (table.certifications.str.count("; ") >= 1).any()


def test_the_quickstart_offerings_survive_a_csv_round_trip(tmp_path, quickstart):
    frame = pool_frame(quickstart.maas.providers)
    write_pool_csv(frame, tmp_path / "pool.csv")
    again = resim.load_scenario(_scenario_with_csv_pool(tmp_path))
    pd.testing.assert_frame_equal(pool_frame(again.maas.providers), frame)


def test_a_frame_without_the_needed_columns_writes_nothing(tmp_path):
    with pytest.raises(ValueError, match="lacks column"):
        write_pool_csv(generate_pool(5).drop(columns=["unit_price"]), tmp_path / "pool.csv")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------------------------
# A generated pool in MaaS matching

def test_matching_finds_smt_providers_for_the_quickstart_board_in_a_generated_pool(quickstart):
    from resim.supply.matching import candidates, need_for

    table = candidates(generate_pool(3000, seed=5), need_for(quickstart, "pcba"))
    eligible = table[table.eligible]
    assert len(eligible) > 5
    assert eligible.process.str.startswith("joining/smt_assembly").all()
    assert eligible.certifications.map(lambda c: {"ISO 9001", "IPC-A-610"} <= c).all()


def test_resim_providers_prints_distinct_headers_and_no_e_notation(capsys):
    from resim.cli.main import main

    assert main(["providers", str(QUICKSTART), "--part", "pcba"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = next(line.split() for line in lines if line.split()[:2] == ["rank", "offering"])
    assert len(header) == len(set(header))              # raw quality/on time and their score parts differ
    assert {"quality", "s_quality", "s_on_time", "s_cost", "s_lead_time", "s_capacity", "s_distance"} <= set(header)
    table = "\n".join(lines)
    assert not re.search(r"\de[+-]\d", table)
    rows = {line.split()[1]: line.split() for line in lines if line.split() and line.split()[0].isdigit()}
    # distances of 8,550.8 and 8,843.2 km (printed 8.55e+03, 8.84e+03 before): three significant digits,
    # thousands separators; 107.3 km stays 107
    assert "8,550" in rows["smt_cn_1"] and "8,840" in rows["smt_tw_1"]
    assert "107" in rows["smt_hu_1"]
