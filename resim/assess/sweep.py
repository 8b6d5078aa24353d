"""Parameter sweeps: run a scenario over a design of field values and tabulate every variant.

A *design* is a DataFrame with one row per variant: a ``variant`` number and one column per
scenario field path (as :meth:`Scenario.replace` takes them, e.g.
``"circular.take_back[0].return_rate"``). :func:`grid` builds the full factorial of listed
values, :func:`latin_hypercube` a space-filling sample of numeric ranges, and
:func:`run_sweep` runs every variant with :func:`resim.run` and stacks their summaries.

Every variant runs with the same seed, so replication ``i`` of every variant sees the same
random draws (common random numbers): differences between variants come from the parameters,
not from sampling noise.

>>> design = grid({"disruptions[0].duration_days": [30, 60, 90], "maas.probation.days": [0, 30]})
>>> len(design)
6
>>> table = run_sweep(sc, design, replications=20)                  # doctest: +SKIP

:func:`parse_param` and :func:`parse_range` read the command line's ``--param`` and ``--range``
texts. Nothing here reads or writes files.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from resim.core.errors import Problem, ScenarioError
from resim.experiment.runner import EXECUTORS, run, shared_cluster
from resim.experiment.strategy_runs import strategy_runs
from resim.scenario.scenario import FIELD_PATH

if TYPE_CHECKING:
    from resim.scenario import Scenario

__all__ = ["grid", "latin_hypercube", "parse_param", "parse_range", "run_sweep", "SWEEP_COLUMNS"]

Progress = Callable[[int, int], None]

# Columns of run_sweep's table after ``variant`` and the field columns.
SWEEP_COLUMNS: tuple[str, ...] = ("strategy", "metric", "statistic", "estimate", "ci_low", "ci_high", "n")

_INT = re.compile(r"[+-]?\d+")
_OPEN, _CLOSE = "([{", ")]}"


def _check_path(path: object) -> str:
    """``path`` stripped, or a ValueError when it is not a field path."""
    if not isinstance(path, str) or not FIELD_PATH.fullmatch(path.strip()):
        raise ValueError(f"{path!r} is not a field path "
                         f"(expected e.g. maas.probation.days or nodes[plant_de].capacity_per_day)")
    path = path.strip()
    if path == "variant":
        raise ValueError("'variant' is the design's variant number, not a field path")
    return path


def grid(params: Mapping[str, Sequence[object]]) -> pd.DataFrame:
    """The full factorial of ``params`` (field path -> values): one row per combination.

    Columns are ``variant`` (0 to n-1) and the field paths, in the given order; the first path
    varies slowest. The number of rows is the product of the numbers of values.
    """
    if not params:
        raise ValueError("a sweep needs at least one parameter (field path -> values)")
    paths, columns = [], []
    for path, values in params.items():
        path = _check_path(path)
        if isinstance(values, (str, bytes)) or not isinstance(values, (Sequence, np.ndarray, pd.Index)):
            raise ValueError(f"{path}: expected a list of values, got {values!r}")
        if len(values) == 0:
            raise ValueError(f"{path}: no values given (expected at least one)")
        paths.append(path)
        columns.append(list(values))
    rows = list(itertools.product(*columns))
    design = pd.DataFrame({path: [row[k] for row in rows] for k, path in enumerate(paths)})
    design.insert(0, "variant", np.arange(len(rows), dtype="int64"))
    return design


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_))


def latin_hypercube(ranges: Mapping[str, tuple[float, float]], n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` variants sampled by Latin hypercube from ``ranges`` (field path -> (low, high)).

    Each column's range is cut into ``n`` equal strata and every stratum holds exactly one
    variant (``scipy.stats.qmc.LatinHypercube``, scaled with ``qmc.scale``), so even a few
    variants cover every parameter's whole range. When both bounds are ints the column holds
    ints: the range is widened to ``[low - 0.5, high + 0.5]`` before rounding, so every integer
    from ``low`` to ``high`` is equally likely (the bounds included). The same ``seed`` gives
    the same design. Columns: ``variant`` (0 to n-1) and the field paths.
    """
    if isinstance(n, bool) or not _is_int(n) or n < 1:
        raise ValueError(f"the number of variants must be a whole number of at least 1, got {n!r}")
    if not ranges:
        raise ValueError("a sweep needs at least one range (field path -> (low, high))")
    from scipy.stats import qmc

    paths, bounds_of, integer = [], [], []
    for path, bounds in ranges.items():
        path = _check_path(path)
        try:
            low, high = bounds
        except (TypeError, ValueError):
            raise ValueError(f"{path}: expected (low, high), got {bounds!r}") from None
        for bound in (low, high):
            if (isinstance(bound, (bool, np.bool_)) or not isinstance(bound, (int, float, np.number))
                    or not math.isfinite(bound)):
                raise ValueError(f"{path}: bounds must be finite numbers, got {bounds!r}")
        if not low < high:
            raise ValueError(f"{path}: low must be below high, got {low!r}:{high!r}")
        whole = _is_int(low) and _is_int(high)
        paths.append(path)
        bounds_of.append((low, high))
        integer.append(whole)
    widen = np.where(integer, 0.5, 0.0)
    lows = np.array([float(low) for low, _ in bounds_of]) - widen
    highs = np.array([float(high) for _, high in bounds_of]) + widen
    unit = qmc.LatinHypercube(len(paths), seed=seed).random(int(n))
    sample = qmc.scale(unit, lows, highs)
    design = pd.DataFrame({"variant": np.arange(int(n), dtype="int64")})
    for k, path in enumerate(paths):
        if integer[k]:
            low, high = bounds_of[k]
            design[path] = np.clip(np.floor(sample[:, k] + 0.5), low, high).astype("int64")
        else:
            design[path] = sample[:, k]
    return design


def _split_values(text: str, whole: str) -> list[str]:
    """``text`` split on the commas outside parentheses and brackets, items stripped."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for char in text:
        if char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
            if depth < 0:
                raise ValueError(f"cannot read {whole!r}: unbalanced {char!r}")
        if char == "," and depth == 0:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if depth != 0:
        raise ValueError(f"cannot read {whole!r}: unclosed parenthesis or bracket")
    items.append("".join(current).strip())
    if any(item == "" for item in items):
        raise ValueError(f"cannot read {whole!r}: empty value (expected PATH=VALUE[,VALUE...], "
                         f"e.g. maas.probation.days=0,30)")
    return items


def _value(text: str) -> object:
    """A value as typed on the command line: int, float, true/false, or the text itself."""
    if _INT.fullmatch(text):
        return int(text)
    if any(c.isdigit() for c in text):  # so that 'nan', 'inf' and the like stay text
        try:
            return float(text)
        except ValueError:
            pass
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return text


def parse_param(text: str) -> tuple[str, list[object]]:
    """Read a ``--param`` text ``PATH=VALUE[,VALUE...]`` into ``(path, values)``.

    Values become ints, floats, booleans (``true``/``false``) or stay text; commas inside
    parentheses or brackets do not split, so distributions survive:
    ``lanes[0].lead_time_days=triangular(5, 7, 10),4`` gives
    ``("lanes[0].lead_time_days", ["triangular(5, 7, 10)", 4])``. Raises ValueError saying what
    is wrong.
    """
    path, sep, rest = str(text).partition("=")
    if not sep or not path.strip():
        raise ValueError(f"cannot read {text!r} as a parameter "
                         f"(expected PATH=VALUE[,VALUE...], e.g. maas.probation.days=0,30)")
    path = _check_path(path)
    if not rest.strip():
        raise ValueError(f"cannot read {text!r}: no values after '=' "
                         f"(expected PATH=VALUE[,VALUE...], e.g. maas.probation.days=0,30)")
    return path, [_value(item) for item in _split_values(rest, text)]


def _number(text: str, whole: str) -> int | float:
    text = text.strip()
    if _INT.fullmatch(text):
        return int(text)
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not any(c.isdigit() for c in text):
        raise ValueError(f"cannot read {whole!r}: {text!r} is not a number "
                         f"(expected PATH=LOW:HIGH, e.g. maas.probation.days=0:60)")
    return value


def parse_range(text: str) -> tuple[str, tuple[int, int] | tuple[float, float]]:
    """Read a ``--range`` text ``PATH=LOW:HIGH`` into ``(path, (low, high))``.

    Both bounds are ints when both are written as integers (``maas.probation.days=0:60``), so
    :func:`latin_hypercube` samples whole numbers; otherwise both are floats. Raises ValueError
    saying what is wrong.
    """
    expected = "(expected PATH=LOW:HIGH, e.g. maas.probation.days=0:60)"
    path, sep, rest = str(text).partition("=")
    if not sep or not path.strip():
        raise ValueError(f"cannot read {text!r} as a range {expected}")
    path = _check_path(path)
    bounds = rest.split(":")
    if len(bounds) != 2:
        raise ValueError(f"cannot read {text!r}: expected one ':' between low and high {expected}")
    low, high = (_number(b, text) for b in bounds)
    if not (_is_int(low) and _is_int(high)):
        low, high = float(low), float(high)
    if not low < high:
        raise ValueError(f"cannot read {text!r}: low {low} must be below high {high}")
    return path, (low, high)


def _native(value: Any) -> Any:
    """numpy scalars (as read from a DataFrame) as Python values, which the scenario expects."""
    return value.item() if isinstance(value, np.generic) else value


def _describe(variant: object, changes: Mapping[str, object]) -> str:
    values = ", ".join(f"{path}={value}" for path, value in changes.items())
    return f"variant {variant} ({values})"


def _variants(scenario: "Scenario", design: pd.DataFrame, fields: list[str]
              ) -> list[tuple[object, dict[str, object], "Scenario"]]:
    """Every variant of the design, validated; ScenarioError listing all invalid ones."""
    variants, problems = [], []
    source = scenario.source or "<scenario>"
    for number, row in zip(design["variant"], design[fields].itertuples(index=False, name=None)):
        number = _native(number)
        changes = {path: _native(value) for path, value in zip(fields, row)}
        where = f"{source} {_describe(number, changes)}"
        try:
            variant = scenario.replace(**changes)
        except ScenarioError as exc:
            problems += [Problem(where, 0, p.path, p.message) for p in exc.problems]
            continue
        except (IndexError, KeyError, TypeError, ValueError) as exc:
            # A path that leads nowhere (an index past the end, a list used as a mapping).
            culprits = [path for path in fields if _unreachable(scenario, path, changes[path])]
            problems += [Problem(where, 0, path, f"the scenario has no such field ({exc})")
                         for path in culprits or ["(top level)"]]
            continue
        variants.append((number, changes, variant))
    if problems:
        raise ScenarioError(problems)
    return variants


def _unreachable(scenario: "Scenario", path: str, value: object) -> bool:
    """True when setting ``path`` alone fails for another reason than validation."""
    try:
        scenario.replace(**{path: value})
    except ScenarioError:
        return False
    except (IndexError, KeyError, TypeError, ValueError):
        return True
    return False


def _shifted(progress: Progress, offset: int, total: int) -> Progress:
    """A run's ``progress(done, run_total)`` as the sweep's ``progress(offset + done, total)``."""
    def step(done: int, _run_total: int) -> None:
        progress(offset + done, total)
    return step


def run_sweep(scenario: "Scenario", design: pd.DataFrame, *, replications: int | None = None,
              seed: int | None = None, strategies: Sequence[str] | None = None,
              executor: str = "processes", workers: int | None = None, scheduler: str | None = None,
              progress: Progress | None = None) -> pd.DataFrame:
    """Run every variant of ``design`` and return one tidy table of their summaries.

    ``design`` has one row per variant: a ``variant`` column (numbered 0 to n-1 when absent)
    and one column per field path; each variant is ``scenario.replace(**{path: value})``. All
    variants are validated before anything is simulated: an invalid one raises ScenarioError,
    one problem per line, each naming the variant and its values.

    Each variant runs :func:`resim.run` with the same ``seed`` (the scenario's when None), so
    the variants share their random draws (common random numbers). ``replications`` defaults to
    the variant's (the scenario's unless the design changes it); ``strategies``, ``executor``,
    ``workers`` and ``scheduler`` are passed on (with ``executor="dask"`` and no scheduler, one
    local cluster serves every variant: :func:`resim.experiment.runner.shared_cluster`). ``progress(done, total)`` counts simulated replications over
    the whole sweep: variants × strategies × replications.

    Returns columns ``variant``, the field paths, ``strategy``, ``metric``, ``statistic``,
    ``estimate``, ``ci_low``, ``ci_high`` and ``n``: one row per variant × strategy × metric, from each run's
    summary, in the design's order.
    """
    if not isinstance(design, pd.DataFrame) or design.empty:
        raise ValueError("the design has no variants (expected a DataFrame with one row per variant)")
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor {executor!r} (expected one of {', '.join(EXECUTORS)})")
    if replications is not None and int(replications) < 1:
        raise ValueError(f"replications must be at least 1, got {replications}")
    design = design.reset_index(drop=True)
    if "variant" not in design.columns:
        design.insert(0, "variant", np.arange(len(design), dtype="int64"))
    if design["variant"].duplicated().any():
        raise ValueError("the design's variant numbers repeat (expected one row per variant)")
    fields = [c for c in design.columns if c != "variant"]
    for column in fields:
        if _check_path(column) != column:
            raise ValueError(f"{column!r} is not a field path (no spaces around it)")
    if not fields:
        raise ValueError("the design has no field columns (expected field paths such as maas.probation.days)")
    if "seed" in fields:
        raise ValueError("a sweep cannot vary 'seed': every variant runs with the same seed "
                         "(common random numbers); use more replications instead")
    clash = [c for c in fields if c in SWEEP_COLUMNS]
    if clash:
        raise ValueError(f"field column {clash[0]!r} would clash with the output's columns")
    variants = _variants(scenario, design, fields)
    seed = scenario.seed if seed is None else int(seed)
    counts = [len(strategy_runs(variant, strategies))
              * (variant.replications if replications is None else int(replications))
              for _, _, variant in variants]
    total, offset = sum(counts), 0
    frames = []
    with shared_cluster(executor, workers, scheduler) as scheduler:
        for (number, _, variant), count in zip(variants, counts):
            step = None if progress is None else _shifted(progress, offset, total)
            results = run(variant, replications=replications, seed=seed, strategies=strategies,
                          executor=executor, workers=workers, scheduler=scheduler, progress=step)
            frame = results.summary.loc[:, list(SWEEP_COLUMNS)].copy()
            frame.insert(0, "variant", number)
            frames.append(frame)
            offset += count
    table = pd.concat(frames, ignore_index=True)
    table["variant"] = table["variant"].astype(design["variant"].dtype)
    table = table.merge(design[["variant", *fields]], on="variant", how="left", sort=False)
    return table.loc[:, ["variant", *fields, *SWEEP_COLUMNS]].astype({"n": "int64"})
