"""What :meth:`resim.experiment.results.Results.save` writes beyond the CSV tables: the figures,
the full value chain as GraphML when the figures group it, and report.html.

Each figure is drawn and rendered once: the PNG file is written, and the report embeds the same
image scaled to the report's resolution (rendering it again would double the slowest part of
saving). The report embeds what a reader can take in on a page; a figure taller than
:data:`EMBED_INCHES` and the full versions of ``--figures all`` are linked to their files instead.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from resim.core.files import save_figure, write_atomic
if TYPE_CHECKING:
    from resim.experiment.results import Results

__all__ = ["write_outputs", "FILE_DPI", "REPORT_DPI", "EMBED_INCHES", "Progress"]

FILE_DPI, REPORT_DPI = 150, 110
#: Figures taller than this (inches) are linked from the report, not embedded: a page-long
#: figure is scrolled past, not read, and it would make the report megabytes.
EMBED_INCHES = 24.0

#: ``progress(phase, done, total)``, called as each phase ("figures", "report") advances.
Progress = Callable[[str, int, int], None]


def _scaled(png: bytes, dpi: int) -> bytes:
    """The PNG image ``png`` (rendered at :data:`FILE_DPI`) resampled to ``dpi``, in 256 colours:
    a figure's flat colours survive, and the image is a third the size of a true-colour one."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        width, height = image.size
        size = (max(round(width * dpi / FILE_DPI), 1), max(round(height * dpi / FILE_DPI), 1))
        smaller = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        smaller.quantize(256, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue()


def write_outputs(results: "Results", folder: Path, figures: str = "summary", report: bool = True,
                  progress: Progress | None = None) -> dict[str, float]:
    """Write ``figures/<name>.png`` for every figure of ``figures`` (one of
    :data:`resim.report.plots.FIGURE_LEVELS`), ``network.graphml`` when the network figure
    groups the chain (whatever ``figures`` is: no figure then shows every node), and, with
    ``report``, ``report.html`` into ``folder``; return the seconds of each phase written."""
    from matplotlib.figure import Figure

    from resim.report.chain_summary import chain_groups, write_graphml
    from resim.report.html import render_report

    plots, seconds = results.plot, {}
    listed = plots.figures(figures)  # an unknown level is refused before any figure is drawn
    if plots.chain_is_large():
        started = time.perf_counter()
        graph = plots.chain()
        write_graphml(graph, folder / "network.graphml", chain_groups(graph, results.scenario))
        seconds["graph"] = time.perf_counter() - started
    started = time.perf_counter()
    shown: dict[str, tuple[str, bytes | str]] = {}
    for done, (name, caption, draw) in enumerate(listed):
        if progress:
            progress("figures", done, len(listed))
        figure: Figure = draw()
        path = folder / "figures" / f"{name}.png"
        save_figure(figure, path, dpi=FILE_DPI)
        readable = not name.endswith("_all") and figure.get_figheight() <= EMBED_INCHES
        shown[name] = (caption, _scaled(path.read_bytes(), REPORT_DPI) if readable else f"figures/{name}.png")
        figure.clear()  # a large figure's artists would otherwise stay in memory until the report is written
    if progress and listed:
        progress("figures", len(listed), len(listed))
    seconds["figures"] = time.perf_counter() - started
    if not report:
        return seconds
    started = time.perf_counter()
    if progress:
        progress("report", 0, 1)
    write_atomic(folder / "report.html", render_report(results, results.scenario, shown, figures_level=figures))
    if progress:
        progress("report", 1, 1)
    seconds["report"] = time.perf_counter() - started
    return seconds
