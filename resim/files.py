"""Writing files so that no half-written file is ever left behind, nor an earlier run replaced unasked.

Every file is written to a temporary file beside it and renamed into place. The temporary file is
created with mode 0666 and the process's umask applied (as ``open`` does), so results are as
readable as any other file the user writes: 0644 under the usual umask 022, never private to the
user unless the umask says so.

A command that writes a folder first calls :func:`claim_folder`: a folder that already holds any
of the files the command writes is refused (:class:`FolderInUse`) unless the caller says to
overwrite it, so an earlier run is never replaced without a word.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from pathlib import Path

__all__ = ["FolderInUse", "claim_folder", "write_atomic", "save_figure"]

_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOFOLLOW", 0)


class FolderInUse(Exception):
    """The folder already holds files the command would write; ``files`` are those found."""

    def __init__(self, folder: Path, files: list[Path]):
        self.folder = Path(folder)
        self.files = files
        first = files[0].relative_to(self.folder).as_posix()
        more = f" and {len(files) - 1} more of its files" if len(files) > 1 else ""
        super().__init__(f"{self.folder} already holds an earlier run ({first}{more})")


def claim_folder(folder: str | os.PathLike, names: Iterable[str], *, overwrite: bool = False) -> list[Path]:
    """The files of ``names`` (paths relative to ``folder``) that ``folder`` already holds.

    Raises :class:`FolderInUse` when there are any, unless ``overwrite``. Other files in the
    folder (notes, another command's output) do not count: only what would be replaced."""
    folder = Path(folder)
    found = [folder / name for name in names if (folder / name).is_file() or (folder / name).is_symlink()]
    if found and not overwrite:
        raise FolderInUse(folder, found)
    return found


def _open_new(directory: Path, name: str) -> tuple[int, Path]:
    """A new, uniquely named file in ``directory`` opened for writing, mode 0666 less the umask."""
    for _ in range(100):
        temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, _FLAGS, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {directory}")


def _write_bytes_atomic(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _open_new(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` through a temporary file and a rename,
    so no half file remains; the file's mode is 0666 less the umask, as for any new file."""
    _write_bytes_atomic(Path(path), text.encode("utf-8"))


def save_figure(figure, path: Path, dpi: int = 150) -> None:
    """Save a matplotlib Figure as PNG through a temporary file and a rename."""
    import io

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi)
    _write_bytes_atomic(Path(path), buffer.getvalue())
