"""What a folder holds, for tests that compare results folders byte for byte."""

from __future__ import annotations

from pathlib import Path


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` (hidden ones too): its path relative to ``folder`` -> its bytes."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
