"""The hand-written prose of docs/reference.md: what the scenario models do not say themselves.

:mod:`resim.cli.reference` generates the reference from the models of :mod:`resim.scenario.format`
and puts these words where the models have none: :data:`NOTES` describes the fields declared
without ``Field(description=...)``, :data:`RULES` states each model's cross-field validators,
:data:`TYPE_NOTES` and :data:`ACTION_NOTES` say what each disruption type and strategy action
does, :data:`SECTION_NOTES` adds a paragraph under a section, and :data:`INTRO`,
:data:`DISTRIBUTIONS` and :data:`CHECKS` are the fixed paragraphs of the reference (Markdown,
one list item per line). ``tests/test_docs.py`` checks that every field has a description, every
validator a rule, and every key names an existing field or validator.
"""

from __future__ import annotations

__all__ = ["NOTES", "RULES", "TYPE_NOTES", "ACTION_NOTES", "UNION_NAMES", "SECTION_NOTES", "INTRO",
           "DISTRIBUTIONS", "CHECKS"]

#: Descriptions of fields declared without ``Field(description=...)``, keyed ``Class.field``
#: (``_Event`` and ``_PolicyBase`` for the fields every disruption or policy has).
NOTES: dict[str, str] = {
    "Scenario.name": "what the scenario is called (shown by `resim info`, in run.json and the report)",
    "Scenario.description": "free text",
    "Scenario.replications": "Monte Carlo replications when `resim run` is given no `--replications`",
    "Scenario.parts": "parts, their bills of materials and process specifications",
    "Scenario.nodes": "the sites of the value chain",
    "Scenario.lanes": "transport links between nodes",
    "Scenario.demand": "daily demand per market and product",
    "Scenario.disruptions": "the catalogue of what may disrupt the chain; each replication draws "
                            "which of them happen and when",
    "Scenario.maas": "the MaaS provider pool and the terms of agreements",
    "Scenario.circular": "take-back, end-of-life grading and circular processes",
    "Scenario.strategies": "the response strategies to compare (`none` is always run as well)",
    "Scenario.metrics": "settings of the resilience metrics",
    "Part.id": "the part's id, used in BOMs, nodes, lanes and demand",
    "Part.name": "a readable name",
    "Part.weight_kg": "weight of one unit, kg (MaaS freight cost and CO2, material avoided by "
                      "remanufacturing)",
    "Part.process": "the process specification MaaS providers are matched on; without one, no "
                    "provider can be found for the part",
    "Node.id": "the node's id",
    "Node.kind": "`supplier` (suppliers' costs are in their prices), `plant`, `dc` (distribution "
                 "centre), `market` (where demand is) or `reman` (remanufacturing centre); every "
                 "kind but `supplier` belongs to the focal firm",
    "Node.name": "a readable name",
    "Node.country": "where the site is (trade barriers, disaster footprints, MaaS distances)",
    "Node.region": "the site's region (trade barriers, disaster footprints, concentration)",
    "Node.lat": "latitude of the site, degrees (disaster radius footprints, MaaS distances, maps)",
    "Node.lon": "longitude of the site, degrees",
    "Stock.part": "the part held",
    "Stock.policy": "how the node replenishes it",
    "_PolicyBase.review_days": "days between inventory reviews",
    "BaseStock.level": "order-up-to level of the inventory position, units",
    "Periodic.level": "order-up-to level of the inventory position, units",
    "MinMax.s": "reorder point: order when the inventory position is at or below `s`, units",
    "MinMax.S": "order up to `S`, units",
    "ReorderPoint.r": "reorder point: order when the inventory position is at or below `r`, units",
    "ReorderPoint.Q": "order quantity, units (as many times `Q` as brings the position above `r`)",
    "Lane.source": "node the lane leaves from",
    "Lane.dest": "node the lane goes to",
    "Lane.parts": "parts the lane carries; the source must make or stock each one",
    "Lane.lead_time_days": "days from shipment to receipt, drawn per lane and day (rounded to "
                           "whole days, at least 1); omitted: the mode's door-to-door days over the "
                           "distance (see the rules above)",
    "Lane.cost_per_kg": "transport cost per kg of the part carried into a focal node or market, on "
                        "top of `cost_per_unit` (the part needs a `weight_kg`); `mode` = the mode's "
                        "rate per kg-km times the distance",
    "Lane.cost_per_unit": "transport cost per unit carried into a focal node or market",
    "Lane.mode": "transport mode: sets the lane's lead time and `cost_per_kg: mode` where they are "
                 "left out, and its CO2e per kg-km; two nodes may be joined by one lane per mode. A "
                 "MaaS provider's lane gets the mode `resim.supply.logistics` chooses",
    "Demand.market": "a node of kind `market`",
    "Demand.part": "the product demanded",
    "Demand.seasonality": "a multiplier of `daily` over the year; none when omitted",
    "Demand.unmet": "what happens to demand not delivered on its day: it waits (`backorder`) or "
                    "is lost (`lost_sales`)",
    "Seasonality.amplitude": "sine form: factor 1 + amplitude × cos(2π (day − peak_day) / "
                             "period_days)",
    "Seasonality.peak_day": "sine form: day of the highest factor",
    "Seasonality.period_days": "sine form: days per cycle",
    "_Event.id": "the disruption's id (named by `then`, `responds_to` and `metrics.reference`)",
    "_Event.description": "free text",
    "_Event.recovery": "how operations come back after `duration_days`",
    "Recovery.profile": "`step`: all at once; `ramp`: linearly over `ramp_days`",
    "Recovery.ramp_days": "days of a `ramp` recovery (for a natural disaster, each hit node "
                          "ramps over 0.5-1.5 × ramp_days)",
    "NaturalDisaster.footprint": "the area hit",
    "Footprint.regions": "regions hit",
    "Footprint.countries": "countries hit",
    "Footprint.radius_km": "radius around `center`, km; damage falls from `severity` at the "
                           "centre to half of it at the edge",
    "TradeBarrier.barrier": "`tariff` (a charge on matching flows), `embargo` (matching flows "
                            "blocked), `local_content` (supply to `market` below "
                            "`min_local_share` blocked or penalised) or `used_goods_ban` "
                            "(matching flows from reman nodes blocked)",
    "TradeBarrier.from_countries": "flows from these countries (with `from_regions`; any origin "
                                   "when both are empty)",
    "TradeBarrier.from_regions": "flows from these regions",
    "TradeBarrier.to_countries": "flows into these countries (with `to_regions`; any destination "
                                 "when both are empty)",
    "TradeBarrier.to_regions": "flows into these regions",
    "CapacityLoss.nodes": "nodes that lose capacity",
    "DemandShock.markets": "markets whose demand changes",
    "DemandShock.parts": "products affected; all when empty",
    "DemandShock.multiplier": "demand × multiplier while the shock lasts",
    "Quality.nodes": "nodes whose stock is affected",
    "Quality.parts": "parts affected; all when empty",
    "Quality.action": "`quarantine` (the `severity` share of stock is held and released at the "
                      "end) or `scrap` (it is destroyed)",
    "SupplierFailure.nodes": "nodes that stop making and shipping",
    "MaaS.providers": "the pool of offerings (see [maas-pool.md](maas-pool.md))",
    "MaaS.weights": "how candidates are scored",
    "MaaS.negotiation": "how providers answer requests",
    "MaaS.probation": "capped volume of a new provider",
    "MaaS.inspection": "incoming inspection of MaaS lots",
    "MaaS.contention": "competition for providers during a natural disaster",
    "MaaS.monitoring": "limits on late and rejected lots that end an agreement for cause (stage 3.3)",
    "MaaS.evaluation": "scorecards that rate providers by their lots in later selections (stage 3.4)",
    "Offering.id": "the offering's id",
    "Offering.provider": "the firm; one provider may publish several offerings",
    "Offering.process": "the process it offers; it matches a need for this process or a more "
                        "general one",
    "Offering.certifications": "certificates it holds",
    "Offering.country": "where it is (embargoes, local content, disaster footprints, distance)",
    "Offering.region": "its region",
    "Offering.lat": "latitude of its site, degrees (distance, transport cost, footprints)",
    "Offering.lon": "longitude of its site, degrees",
    "Offering.export_controlled": "may not ship abroad",
    "ScoreWeights.cost": "weight of the landed unit cost",
    "ScoreWeights.lead_time": "weight of the days to first delivery (onboarding + lead time)",
    "ScoreWeights.quality": "weight of the conformance rate",
    "ScoreWeights.on_time": "weight of the on-time rate",
    "ScoreWeights.capacity": "weight of the capacity coverage of the need",
    "ScoreWeights.distance": "weight of the distance to the destination",
    "Probation.days": "days after qualification at capped volume",
    "Probation.capacity_share": "share of the reserved capacity delivered during probation",
    "Inspection.sample_size": "units sampled from each day's lot (n)",
    "Inspection.acceptance_number": "most defective units in the sample for the lot to be "
                                    "accepted (Ac)",
    "Contention.enabled": "model other firms competing for the providers in a disaster's regions",
    "Circular.take_back": "products that come back at end of use",
    "Circular.grading": "end-of-life states of returned parts",
    "Circular.processes": "the circular processes of reman nodes",
    "TakeBack.product": "the product that comes back",
    "TakeBack.market": "the market it was sold in",
    "Grading.part": "the part graded",
    "Grading.reuse": "share reused (route: testing)",
    "Grading.repair": "share repaired (route: testing, repair)",
    "Grading.refurbish": "share refurbished (route: cleaning, testing, reconditioning)",
    "Grading.remanufacture": "share remanufactured (route: cleaning, testing, reconditioning, "
                             "reassembly)",
    "Grading.repurpose": "share repurposed (leaves the chain)",
    "Grading.recycle": "share recycled (leaves the chain)",
    "CircularProcess.node": "the reman node that runs the step",
    "CircularProcess.process": "the step",
    "CircularProcess.capacity_per_day": "units per day, shared in proportion by all that queue "
                                        "for the step",
    "CircularProcess.cost_per_unit": "cost per unit processed (the `reman` cost component)",
    "Strategy.id": "the strategy's id (in results and `--strategies`)",
    "Strategy.description": "free text",
    "Strategy.actions": "what the strategy does (see the table below)",
    "Strategy.max_providers": "most MaaS providers per need",
    "Metrics.window_days": "days of the rolling fill rate r(t)",
    "Metrics.baseline_days": "days before t0 over which the baseline b is averaged",
    "Metrics.hold_days": "days r(t) must stay at or above the recovery level to count as recovered",
    "Metrics.confidence": "level of the two-sided intervals in summary.csv, costs.csv and differences.csv",
}

#: Each cross-field validator of the format, in words, keyed ``Class.validator``.
RULES: dict[str, str] = {
    "Scenario._currency_code": "`currency` is three capital letters (ISO 4217, e.g. `EUR`, `USD`).",
    "Node._coordinates_in_pairs": "Give both `lat` and `lon`, or neither.",
    "Lane._internal_lead_time": "An `internal` lane (within a site) has no mode figures: give its "
                                "`lead_time_days` and a number for `cost_per_kg`.",
    "Scenario._lane_figures_by_mode": "A lane without `lead_time_days` takes its mode's door-to-door "
                                      "days over the great-circle distance between its two nodes "
                                      "(without coordinates: 300 km within a country, 1,500 within a "
                                      "region, 9,000 beyond), and `cost_per_kg: mode` the mode's rate "
                                      "per kg-km times that distance ([format.md](format.md#transport-modes)).",
    "MinMax._s_below_S": "`s` must be below `S`.",
    "Seasonality._one_form": "Give either `monthly` (12 factors) or `amplitude` (with `peak_day`), "
                             "not both.",
    "Recovery._ramp_has_days": "A `ramp` recovery needs `ramp_days` > 0.",
    "Footprint._something_is_hit": "Name `regions`, `countries`, or a `center` with `radius_km` "
                                   "(a radius footprint needs both).",
    "Scenario._include_hazards": "The catalogue's chosen hazards (`hazards`) join `disruptions` as "
                                 "`KIND_COUNTRY` (e.g. `earthquake_jp`), but for ids `disruptions` holds "
                                 "already (the scenario's own entry wins).",
    "_Event._one_timing": "Give one of `onset_day`, `annual_probability` or `rate_per_year`; `seasonality` "
                          "goes with `rate_per_year` (a hazard), which takes no `then`; `seasonality` "
                          "needs a month above 0; give `severity` or `severity_distribution` (each "
                          "event's own, drawn per replication, on any disruption), not both.",
    "TradeBarrier._barrier_fields": "A `tariff` needs `rate` > 0; a `local_content` rule needs "
                                    "`market` and `min_local_share` > 0; every other barrier needs "
                                    "at least one of `from_countries`, `from_regions`, "
                                    "`to_countries`, `to_regions`.",
    "CapacityLoss._breakdown_pair": "Breakdowns need both `mtbf_days` and `mttr_days`.",
    "ScoreWeights._some_weight": "At least one weight must be above 0; weights are normalised "
                                 "when used.",
    "Negotiation._chances": "`accept` + `counter` must not exceed 1; the rest decline.",
    "InternalOffering._rate_with_hours": "Give both `machine_hour_rate` and `hours_per_unit`, or "
                                         "neither (the site's `production_cost_per_unit` is then "
                                         "the conversion cost). The `node` must have "
                                         "`capacity_per_day` and make a part whose process is "
                                         "`process` or a variant of it.",
    "Grading._sums_to_one": "The six shares sum to 1.",
    "Strategy._actions_fit": "`none` cannot be combined with other actions; a `buffer` action "
                             "needs `buffer: {part: units}`; `dual_source_share` needs a `dual_source` "
                             "action; `prequalified` needs a `maas_same_tier` or `maas_upstream` action; "
                             "`expedite: {part: mode}` needs the `expedite` action (which, with no part "
                             "named, does nothing: an optimiser's `expedite` lever may set none).",
    "Lever._fits": "`low` must not exceed `high`; `buffer` and `dual_share` name a `part`, "
                   "`base_stock` and `return_rate` a `node` and a `part`, `reman_capacity` a `node` "
                   "and, for a step's capacity, a `process`, `prequalify` an `offering`, `prequalify_best` and `expedite` a "
                   "`part`, `maas_budget` none; a `dual_share`'s or `return_rate`'s `high` is at most 1; "
                   "a `reman_capacity`'s `low` is above 0; `prequalify`, `prequalify_best` and `expedite` "
                   "take whole `low` and `high` and step 1, and a `prequalify`'s or `expedite`'s `high` "
                   "is at most 1.",
    "Lever._whole_step": "`prequalify`, `prequalify_best` and `expedite` levers take `step: 1` when none is "
                         "given.",
    "Objective._days_given": "Give `within_days` with `service: recovered_within`, and only then.",
    "Metrics._hysteresis": "`failure_level` must not exceed `recovery_level`.",
}

#: What each disruption type does, for types without a docstring (the stop semantics are
#: tabulated in docs/disruptions.md).
TYPE_NOTES: dict[str, str] = {
    "NaturalDisaster": "Nodes in the footprint make and ship × (1 − damage) (damage = `severity`, "
                       "less with distance in a radius footprint); a `stock_destroyed` share of "
                       "their stock is scrapped at onset. New orders are still placed and stay owed.",
    "TradeBarrier": "A rule on flows that cross a border from the `from_` group to the `to_` "
                    "group (and, with `parts`, only those parts): a tariff charged on their value, "
                    "an embargo, a local-content rule for one market, or a ban on used "
                    "(remanufactured) goods. Orders go to other open lanes.",
    "CapacityLoss": "Production capacity of the nodes (or of their listed processes) × "
                    "(1 − severity); shipments from stock continue. With `mtbf_days` and "
                    "`mttr_days`, a breakdown process: up times and repairs alternate for "
                    "`duration_days`, each repair one stop.",
    "DemandShock": "Demand of the markets × `multiplier` (above 1: a surge; below 1: a drop).",
    "Logistics": "Lanes closed (capacity × (1 − severity)) or, with `lead_time_multiplier`, open "
                 "but slower for shipments leaving while it lasts.",
    "Quality": "At onset, a `severity` share of the stock of the parts at the nodes is quarantined "
               "(released when it ends) or scrapped.",
    "SupplierFailure": "The nodes stop making and shipping; their stock is kept but unusable "
                       "while they are down. Without `duration_days` the failure is permanent.",
}

#: What each strategy action does (the table under the Strategy section).
ACTION_NOTES: dict[str, str] = {
    "none": "wait for recovery on existing inventory (the baseline every strategy is compared with)",
    "buffer": "proactive: extra units of the parts in `buffer` held all year where the part is "
              "stocked",
    "dual_source": "proactive: from day 0, a standing MaaS second source for every single-sourced "
                   "critical part, contracted for half its flow (`dual_source_share` sets another "
                   "share per part)",
    "maas_same_tier": "MaaS providers take over the disrupted nodes' own processes",
    "maas_upstream": "MaaS providers take over the processes of the disrupted nodes' customers, "
                     "with their own supply of the missing component",
    "circular": "remanufactured and reused parts from reman nodes feed the customers of what the "
                "disruption cut",
    "circular_partners": "from day 0, MaaS providers close to the returning users do the circular processes of "
                         "`circular.specifications` instead of the own reman centre (see circular.md)",
}

#: Names of the discriminated unions (singular, plural, anchor), by the base class their members share.
UNION_NAMES: dict[str, tuple[str, str, str]] = {
    "_PolicyBase": ("inventory policy", "inventory policies", "inventory-policies"),
    "_Event": ("disruption", "disruption types", "disruption-types"),
}

#: A paragraph after the table of a section, keyed by model class.
SECTION_NOTES: dict[str, str] = {
    "_Event": "What each type stops (new orders, production, shipments, goods in "
              "transit, receipts, stock on hand) is tabulated in "
              "[disruptions.md](disruptions.md); `severity` scales every effect, and "
              "overlapping disruptions combine (capacity factors multiply, tariff rates "
              "add).",
    "Offering": "The fields of an offering are also the columns of a provider-pool CSV "
                "(`maas: {providers: {csv: pool.csv}}`); "
                "[maas-pool.md](maas-pool.md) describes them with the pool generator.",
    "Metrics": "The metrics themselves are defined in [model.md](model.md#metrics).",
    "Optimize": "`resim optimize` reads this section; [optimize.md](optimize.md) explains the "
                "levers' costs, the objectives, common random numbers and the fresh re-evaluation.",
}

#: The paragraphs under the title of the reference, before its contents.
INTRO: list[str] = [
    "Every field of a scenario file, section by section. For a guided tour read "
    "[format.md](format.md) and the commented [quickstart scenario]"
    "(../scenarios/quickstart.yaml); `resim schema` gives the same format as a JSON "
    "Schema for editors.", "",
    "Columns: **type** links to the section of a nested entry; **default** is "
    "**required** when the field must be given, *unset* when it may be left out (the "
    "description says what that means) and *its defaults* for a section whose own fields "
    "all have defaults; **constraints** are checked when the file is "
    "read, and every violation is reported as `FILE:LINE: field.path: message`. Unknown "
    "fields are errors. Money is in the scenario's `currency`, time in days, quantities "
    "in units of the part.", "",
]

#: How a distribution is written, before the rule for *never negative* fields and the table.
DISTRIBUTIONS: list[str] = [
    "Every field of type *distribution* (lead times, demand, durations, onset days, use "
    "lives, process times) is written in one of three ways:", "",
    "- a number, a constant: `lead_time_days: 5`;",
    "- a compact string, the name and the parameters in order: `poisson(40)`, "
    "`normal(40, 8)`, `triangular(2, 3, 7)`;",
    "- a mapping with `dist` and the parameters by name: `{dist: normal, mean: 40, sd: 8}`.",
    "",
    "Compact strings are parsed, never evaluated. Where whole days are needed, draws are "
    "rounded (see [assumptions.md](assumptions.md#time)); negative demand draws count "
    "as 0.", "",
]

#: What `resim validate` checks across sections (resim.scenario.checks), in words.
CHECKS: list[str] = [
    "`resim validate` checks what one field alone cannot (`resim.scenario.checks`). Unique ids and "
    "references are checked even when some fields have the wrong type, on every entry whose "
    "ids can be read, so one run reports both kinds of problem; the other checks wait until "
    "every field has the right type:", "",
    "- ids are unique among parts, nodes, disruptions, strategies and MaaS offerings; one "
    "lane per pair of nodes (list several parts on it);",
    "- every part, node, lane, market and disruption named anywhere exists (with a "
    "\"did you mean\" hint); `responds_to` names disruption ids or types;",
    "- bills of materials form no cycle and no part contains itself;",
    "- a `supplier` or `plant` makes at least one part, a `dc` makes none, a `market` "
    "neither makes nor stocks;",
    "- a lane's source makes or stocks each part it carries; its destination holds an "
    "inventory entry for it, or is a market that demands it;",
    "- the `share`s of the lanes bringing one part into one node are given on all of them "
    "and sum to 1, or on none;",
    "- `demand` names a node of kind `market`, once per market and product;",
    "- `then` follow-ups form no loop;",
    "- every demanded product can reach its market: a chain of lanes from makers of every "
    "part it needs;",
    "- `optimize.strategy` names a strategy that has the action each lever sets (`buffer`, "
    "`dual_source`, a MaaS action for `maas_budget`); a `base_stock` lever names a stock point "
    "with a `base_stock` or `periodic` policy; a `dual_share` part is critical; a `return_rate` "
    "lever names a `circular.take_back` stream (its `part` the product, its `node` the market) and "
    "a `reman_capacity` lever a step of `circular.processes` (its `node` and `process`) or, without "
    "`process`, a reman node with a `capacity_per_day`; no lever twice.", "",
]
