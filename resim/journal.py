"""Checkpoints of a run: finished replications, recorded as they come in, so a run can resume.

The journal is a folder holding ``spec.json`` (what the run is: seed, replications, strategies,
the scenario's hash and changes) and ``replications.jsonl``, one JSON line per finished
replication, flushed to the operating system before the next one is folded in (and synced to disk
at least once a second). A run killed outright leaves at most a partial last line, which is ignored
on resume. JSON keeps floats exact (shortest
round-trip form), so a resumed run gives exactly the numbers of an uninterrupted one. Only plain
data is read back: no code runs from a checkpoint.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from typing import Iterator

import numpy as np

from resim.files import write_atomic
from resim.outcome import Outcome

__all__ = ["Journal"]

SYNC_SECONDS = 1.0  # a power cut loses at most this much work; a killed process loses none


def _plain(value):
    if isinstance(value, np.ndarray):
        return {"__array__": value.tolist(), "shape": list(value.shape)}
    if isinstance(value, (np.floating, np.integer)):
        return value.item()
    raise TypeError(f"cannot record {type(value).__name__}")


def _revive(value):
    if isinstance(value, dict) and "__array__" in value:
        return np.array(value["__array__"], dtype=float).reshape(value["shape"])
    return value


class Journal:
    """Checkpoints in ``folder``; ``resume`` keeps and reads finished replications of the same run."""

    def __init__(self, folder: Path, spec: dict, resume: bool):
        self.folder = Path(folder)
        self.lines = self.folder / "replications.jsonl"
        self.done: set[tuple[str, int]] = set()
        spec_file = self.folder / "spec.json"
        if resume and spec_file.is_file():
            recorded = json.loads(spec_file.read_text(encoding="utf-8"))
            if recorded != json.loads(json.dumps(spec)):
                raise ValueError("the checkpoint belongs to a different run (seed, replications, strategies or "
                                 "scenario changed); run without --resume to start again")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder.mkdir(parents=True, exist_ok=True)
            write_atomic(spec_file, json.dumps(spec, indent=2) + "\n")
        self._resume = resume
        self._stream = None
        self._synced = 0.0

    def finished(self) -> Iterator[Outcome]:
        """Replications finished before this run started (when resuming), read one at a time
        (so a long checkpoint is never held whole); each is added to ``done``."""
        if not self._resume or not self.lines.is_file():
            return
        good = 0
        with open(self.lines, encoding="utf-8") as stream:
            for line in stream:
                try:
                    data = json.loads(line, object_hook=_revive)
                except json.JSONDecodeError:
                    break  # a line cut short by a kill: everything before it is whole
                good += len(line.encode("utf-8"))
                outcome = Outcome(**data)
                self.done.add((outcome.strategy, outcome.replication))
                yield outcome
        with open(self.lines, "r+b") as stream:  # drop the partial line before appending
            stream.truncate(good)

    def record(self, outcome: Outcome) -> None:
        """Append a finished replication and make it durable."""
        data = {"strategy": outcome.strategy, "replication": outcome.replication, "metrics": outcome.metrics,
                "costs": outcome.costs, "daily": outcome.daily, "actions": outcome.actions,
                "ripple": outcome.ripple, "events": outcome.events, "critical_parts": outcome.critical_parts}
        if self._stream is None:
            self._stream = open(self.lines, "a", encoding="utf-8")
        self._stream.write(json.dumps(data, default=_plain) + "\n")
        self._stream.flush()  # in the kernel's hands: survives the process being killed
        if time.monotonic() - self._synced >= SYNC_SECONDS:
            os.fsync(self._stream.fileno())
            self._synced = time.monotonic()

    def close(self, *, remove: bool) -> None:
        """Stop recording; ``remove`` deletes the checkpoint (the run finished and was saved)."""
        if self._stream is not None:
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)
