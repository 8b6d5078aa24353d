"""Vocabularies of the scenario format: manufacturing processes and quality certifications.

Processes follow the six main groups of DIN 8580 (manufacturing processes: terms and definitions),
written as a path ``group/process[/variant]``, for example ``cutting/milling/5-axis``. The group and
the process are checked against the lists below so that a typo cannot silently stop a MaaS match;
the variant is free text. A seventh group, ``other``, holds steps DIN 8580 does not cover (wafer
fabrication, testing, sorting) that value chains and circular processes still need.
"""

from __future__ import annotations

import difflib
import functools

__all__ = ["PROCESSES", "CERTIFICATIONS", "check_process", "check_certification"]

PROCESSES: dict[str, tuple[str, ...]] = {
    "primary_shaping": (
        "casting", "die_casting", "sand_casting", "investment_casting", "injection_moulding",
        "additive_manufacturing", "powder_metallurgy", "sintering", "moulding",
    ),
    "forming": (
        "forging", "stamping", "bending", "deep_drawing", "extrusion", "rolling", "wire_drawing",
        "winding",
    ),
    "cutting": (
        "milling", "turning", "drilling", "grinding", "edm", "laser_cutting", "waterjet_cutting",
        "sawing", "punching", "disassembly", "cleaning",
    ),
    "joining": (
        "assembly", "welding", "soldering", "smt_assembly", "brazing", "adhesive_bonding",
        "riveting", "press_fitting", "reassembly",
    ),
    "coating": (
        "painting", "powder_coating", "electroplating", "anodizing", "pvd", "cvd",
        "thermal_spraying",
    ),
    "changing_material_properties": (
        "heat_treatment", "hardening", "annealing", "magnetizing", "curing",
    ),
    "other": (
        "semiconductor_fabrication", "refining", "testing", "inspection", "sorting", "repair",
        "reconditioning", "packaging",
    ),
}

CERTIFICATIONS: tuple[str, ...] = (
    "ISO 9001", "IATF 16949", "AS9100", "ISO 13485", "ISO 14001", "ISO 45001", "ISO 50001",
    "NADCAP", "IPC-A-610", "ITAR", "RIC001",
)


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1)
    return f"did you mean '{close[0]}'? " if close else ""


@functools.lru_cache(maxsize=4096)
def check_process(path: str) -> str:
    """Validate a process path ``group/process[/variant]`` and return it normalised.

    Raises ValueError naming the known groups or processes when a level is unknown.
    """
    levels = [level.strip().lower().replace(" ", "_") for level in path.split("/")]
    if not levels or not levels[0]:
        raise ValueError("empty process (expected group/process, e.g. cutting/milling)")
    group = levels[0]
    if group not in PROCESSES:
        raise ValueError(
            f"unknown process group '{group}'; {_suggest(group, list(PROCESSES))}"
            f"(expected one of {', '.join(PROCESSES)})"
        )
    if len(levels) < 2 or not levels[1]:
        raise ValueError(f"'{path}' names no process (expected {group}/<process>, "
                         f"one of {', '.join(PROCESSES[group])})")
    process = levels[1]
    if process not in PROCESSES[group]:
        raise ValueError(
            f"unknown process '{process}' in group '{group}'; {_suggest(process, PROCESSES[group])}"
            f"(expected one of {', '.join(PROCESSES[group])})"
        )
    return "/".join(levels)


@functools.lru_cache(maxsize=1024)
def check_certification(name: str) -> str:
    """Validate a certification name (case and spacing insensitive) and return its canonical form."""
    wanted = " ".join(name.split()).upper()
    for known in CERTIFICATIONS:
        if known.upper() == wanted or known.upper().replace(" ", "") == wanted.replace(" ", ""):
            return known
    raise ValueError(
        f"unknown certification '{name}'; {_suggest(name, CERTIFICATIONS)}"
        f"(expected one of {', '.join(CERTIFICATIONS)})"
    )
