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
from dataclasses import asdict
from pathlib import Path
from typing import Iterator

import numpy as np

from resim.core.files import write_atomic
from resim.experiment.outcome import Outcome
from resim.experiment.records import RECORDS, columns

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


_FIELDS = {"strategy", "replication", "metrics", "costs", "daily", "actions", "ripple", "events", "critical_parts",
           "yearly"}


def _damaged(folder: Path, what: str) -> ValueError:
    return ValueError(f"the checkpoint {folder} is damaged ({what}); start over with --overwrite "
                      f"instead of --resume")


def _whole(data) -> bool:
    """Whether a line read back has the shape :meth:`Journal.record` writes."""
    return (isinstance(data, dict) and set(data) == _FIELDS and isinstance(data["strategy"], str)
            and isinstance(data["replication"], int) and not isinstance(data["replication"], bool)
            and all(isinstance(data[k], dict) for k in ("metrics", "costs", "daily", "yearly"))
            and all(isinstance(data[k], list) for k in ("actions", "ripple", "events", "critical_parts"))
            and all(isinstance(row, dict) and set(row) == set(columns(record))
                    for k, record in RECORDS.items() for row in data[k])
            and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                    for k in ("metrics", "costs") for v in data[k].values())
            and all(isinstance(v, np.ndarray) for k in ("daily", "yearly") for v in data[k].values()))


class Journal:
    """Checkpoints in ``folder``; ``resume`` keeps and reads finished replications of the same run."""

    def __init__(self, folder: Path, spec: dict, resume: bool):
        self.folder = Path(folder)
        self.lines = self.folder / "replications.jsonl"
        self.done: set[tuple[str, int]] = set()
        spec_file = self.folder / "spec.json"
        if resume and spec_file.is_file():
            try:
                recorded = json.loads(spec_file.read_text(encoding="utf-8"))
            except (ValueError, OSError) as exc:  # not JSON, not UTF-8, unreadable
                raise _damaged(self.folder, f"spec.json: {exc}") from None
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
        with open(self.lines, "rb") as stream:
            for raw in stream:
                try:
                    data = json.loads(raw.decode("utf-8"), object_hook=_revive)
                except ValueError:  # not JSON or not UTF-8
                    break  # a line cut short by a kill: everything before it is whole
                if not _whole(data):
                    raise _damaged(self.folder, "a line of replications.jsonl is not a finished replication")
                good += len(raw)
                records = {k: [record(**row) for row in data[k]] for k, record in RECORDS.items()}
                outcome = Outcome(**(data | records))
                self.done.add((outcome.strategy, outcome.replication))
                yield outcome
        with open(self.lines, "r+b") as stream:  # drop the partial line before appending
            stream.truncate(good)

    def record(self, outcome: Outcome) -> None:
        """Append a finished replication and make it durable."""
        data = {"strategy": outcome.strategy, "replication": outcome.replication, "metrics": outcome.metrics,
                "costs": outcome.costs, "daily": outcome.daily,
                **{k: [asdict(row) for row in getattr(outcome, k)] for k in RECORDS},
                "critical_parts": outcome.critical_parts, "yearly": outcome.yearly}
        if self._stream is None:
            # Unbuffered: each line goes to the kernel whole (it survives the process being
            # killed), and nothing is left in a buffer that closing would try to write again,
            # raising a second error that hides the first after a failed write.
            self._stream = open(self.lines, "ab", buffering=0)
        try:
            line = memoryview((json.dumps(data, default=_plain) + "\n").encode("utf-8"))
            while line:  # a raw write may take part of it
                line = line[self._stream.write(line):]
            if time.monotonic() - self._synced >= SYNC_SECONDS:
                os.fsync(self._stream.fileno())
                self._synced = time.monotonic()
        except OSError as exc:  # a full disk: say which file (a line cut short is dropped on --resume)
            raise OSError(exc.errno, exc.strerror, str(self.lines)) from None

    def close(self, *, remove: bool) -> None:
        """Stop recording; ``remove`` deletes the checkpoint (the run finished and was saved)."""
        if self._stream is not None:
            os.fsync(self._stream.fileno())
            self._stream.close()
            self._stream = None
        if remove:
            shutil.rmtree(self.folder, ignore_errors=True)
