"""Regenerate the results tables of docs/scenarios.md: every library case, 20 replications of
each strategy (the scenario's seed), in the columns the page describes.

Run: .venv/bin/python docs/scenario_tables.py           # print the tables
     .venv/bin/python docs/scenario_tables.py --write   # also replace them in docs/scenarios.md

Takes a few minutes on two cores. The tables appear in the page in the order of LIBRARY.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import resim

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "scenarios.md"
# case: (what its units are, extra columns as (header, replications column, in millions?))
LIBRARY = {
    "ev_battery_pack": ("packs", [("reman modules", "reman_units", False)]),
    "auto_microcontrollers": ("ECUs", []),
    "wind_gearbox": ("gearboxes", [("tariff", "cost_tariff", True)]),
    "medical_device": ("pumps", [("reman modules", "reman_units", False)]),
    "aerospace_machining": ("shipsets", []),
    "industrial_takeback": ("engines", [("reman units", "reman_units", False),
                                        ("cores returned", "cores_returned", False)]),
    "auto_hazards": ("ECUs", []),
}


def table(name: str, unit: str, extras: list[tuple[str, str, bool]]) -> list[str]:
    """The markdown table of one case, a line per strategy."""
    res = resim.run(resim.load_scenario(ROOT / "scenarios" / f"{name}.yaml"), replications=20)
    summary = res.summary.set_index(["strategy", "metric"])
    reps = res.replications.assign(maas=lambda t: t.cost_maas_onboarding + t.cost_maas_premium)
    means = reps.groupby("strategy", sort=False).mean(numeric_only=True)
    header = ["strategy", "fill rate (95 % CI)", f"shortfall, {unit}", "resilience index", "recovered",
              "median recovery, days", "restricted mean recovery, days", "MaaS cost", "total cost", "profit",
              *(h for h, _, _ in extras)]
    lines = ["| " + " | ".join(header) + " |", "| --- | " + " | ".join("---:" for _ in header[1:]) + " |"]
    for strategy, row in means.iterrows():
        fill = summary.loc[(strategy, "fill_rate")]
        median = summary.loc[(strategy, "recovery_time_median_days"), "estimate"]
        cells = [f"`{strategy}`", f"{fill.estimate:.3f} ({fill.ci_low:.3f}-{fill.ci_high:.3f})",
                 f"{row.shortfall_units:,.0f}", f"{row.resilience_index:.2f}",
                 f"{summary.loc[(strategy, 'recovered'), 'estimate']:.0%}",
                 "not reached" if median != median else f"{median:.0f}",
                 f"{summary.loc[(strategy, 'recovery_time_days'), 'estimate']:.0f}",
                 f"{row.maas / 1e6:.1f}", f"{row.cost_total / 1e6:.1f}", f"{row.profit / 1e6:.1f}"]
        cells += [f"{row[column] / 1e6:.1f}" if millions else f"{row[column]:,.0f}" for _, column, millions in extras]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def replace_tables(text: str, tables: list[list[str]]) -> str:
    """``text`` with its results tables (those headed ``| strategy | fill rate``) replaced in order."""
    lines, out, which = text.splitlines(), [], 0
    i = 0
    while i < len(lines):
        if lines[i].startswith("| strategy | fill rate"):
            out.extend(tables[which])
            which += 1
            i += 1
            while i < len(lines) and lines[i].startswith("|"):
                i += 1
            continue
        out.append(lines[i])
        i += 1
    if which != len(tables):
        raise SystemExit(f"found {which} results tables in {PAGE.name}, expected {len(tables)}")
    return "\n".join(out) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"replace the tables in {PAGE}")
    args = parser.parse_args()
    tables = []
    for name, (unit, extras) in LIBRARY.items():
        tables.append(table(name, unit, extras))
        print(f"{name}\n" + "\n".join(tables[-1]) + "\n", flush=True)
    if args.write:
        PAGE.write_text(replace_tables(PAGE.read_text(encoding="utf-8"), tables), encoding="utf-8")


if __name__ == "__main__":
    main()
