"""Writing files so that no half-written file is ever left behind, nor an earlier run replaced unasked.

Every file is written to a temporary file beside it and renamed into place. The temporary file is
created with mode 0666 and the process's umask applied (as ``open`` does), so results are as
readable as any other file the user writes: 0644 under the usual umask 022, never private to the
user unless the umask says so.

A command that writes a folder first calls :func:`claim_folder`: a folder that already holds any
of the files the command writes is refused (:class:`FolderInUse`) unless the caller says to
overwrite it, so an earlier run is never replaced without a word.

A whole output (a results folder) is written by :func:`save_folder`: every file goes to a staging
folder first, so a crash, Ctrl-C or a full disk while writing leaves the earlier output as it
was; the staged files are then moved into place with Ctrl-C and SIGTERM held back, and the
manifest (``run.json``) goes last and lists every file with its size and SHA-256, so a folder is
one whole run or visibly not (:func:`check_manifest`). :func:`folder_lock` keeps two resim
processes from writing one folder at once.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from resim.core.signals import deferred_interrupts

if TYPE_CHECKING:
    import pandas as pd

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; two processes writing one folder are not prevented
    fcntl = None  # type: ignore[assignment]

__all__ = ["FolderInUse", "FolderBusy", "claim_folder", "folder_lock", "save_folder", "remove_abandoned", "check_manifest",
           "write_atomic", "write_csv", "save_figure"]

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


class FolderBusy(Exception):
    """Another process holds the folder's lock (it is writing an output there)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        super().__init__(f"another resim process is writing to {self.folder}")


_HELD: dict[str, int] = {}  # folders this process holds the lock of -> the locked descriptor


@contextmanager
def folder_lock(folder: str | os.PathLike, *, wait: bool = False) -> Iterator[None]:
    """Hold ``folder``'s exclusive lock (making the folder if need be) while the block runs.

    Raises :class:`FolderBusy` when another process holds it, unless ``wait``. The lock is the
    operating system's (``flock`` on the folder itself), so it dies with its process and leaves no
    file behind; a lock this process already holds is simply kept."""
    folder = Path(folder)
    made = not folder.exists()
    folder.mkdir(parents=True, exist_ok=True)
    key = os.path.realpath(folder)
    if fcntl is None or key in _HELD:
        yield
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise FolderBusy(folder) from None
        _HELD[key] = fd
        try:
            yield
        finally:
            del _HELD[key]
            if made and not any(folder.iterdir()):
                folder.rmdir()  # made for nothing: a failed command leaves no empty folder behind
    finally:
        os.close(fd)  # closing the descriptor releases the lock


_STAGING = ".resim-staging-"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def remove_abandoned(folder: Path, prefix: str = _STAGING) -> None:
    """Remove the folders in ``folder`` named ``prefix`` + a pid + ``-`` + anything, of processes
    that died before removing them themselves (staging folders, a run's batch handoffs)."""
    for stage in folder.glob(f"{prefix}*"):
        try:
            os.kill(int(stage.name[len(prefix):].split("-")[0]), 0)
        except ProcessLookupError:
            shutil.rmtree(stage, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue  # not ours to judge: another user's live process, or not our name


def save_folder(folder: str | os.PathLike, write: Callable[[Path], None], *, names: Iterable[str],
                manifest: str | None = None, info: dict | None = None) -> Path:
    """Write a whole output into ``folder`` in one step; return the folder.

    ``write(stage)`` writes every file into the empty folder ``stage``; nothing in ``folder``
    changes while it runs, so an error, Ctrl-C or full disk there leaves the earlier output whole.
    The staged files then replace those in ``folder``, files of ``names`` (everything this kind
    of output may hold, relative paths) that the new output lacks are removed, and ``manifest``
    (if given: ``info`` with a ``files`` entry giving each file's bytes and SHA-256) is written
    last. Ctrl-C and SIGTERM are held back meanwhile, and the folder's lock is held."""
    folder = Path(folder)
    names = set(names)
    with folder_lock(folder, wait=True):  # makes the folder if need be
        stage = folder / f"{_STAGING}{os.getpid()}-{secrets.token_hex(4)}"
        stage.mkdir()
        try:
            try:
                write(stage)
            except OSError as exc:  # name the file as the user knows it, not its staging place
                if exc.filename is None or not Path(exc.filename).is_relative_to(stage):
                    raise
                raise OSError(exc.errno, exc.strerror, str(folder / Path(exc.filename).relative_to(stage))) from None
            staged = sorted(p.relative_to(stage).as_posix() for p in stage.rglob("*") if p.is_file())
            if manifest is not None:
                files = {name: {"bytes": (stage / name).stat().st_size, "sha256": _sha256(stage / name)}
                         for name in staged}
                write_atomic(stage / manifest, json.dumps({**(info or {}), "files": files}, indent=2) + "\n")
            for name in staged:  # a linked folder inside would take the file out of the results folder
                for inner in list(Path(name).parents)[:-1]:
                    if (folder / inner).is_symlink():
                        raise OSError(errno.ELOOP, "a folder inside the results folder is a symbolic link; "
                                      "remove it", str(folder / inner))
            with deferred_interrupts():
                if manifest is not None:
                    (folder / manifest).unlink(missing_ok=True)  # until the end the folder is not a whole run
                for name in staged:
                    (folder / name).parent.mkdir(parents=True, exist_ok=True)
                    os.replace(stage / name, folder / name)
                stale = [folder / name for name in names - set(staged) - {manifest}]
                for path in stale:
                    path.unlink(missing_ok=True)  # the earlier output's, not made this time
                for parent in {path.parent for path in stale} - {folder}:
                    if parent.is_dir() and not any(parent.iterdir()):
                        parent.rmdir()
                if manifest is not None:
                    os.replace(stage / manifest, folder / manifest)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
        remove_abandoned(folder)
    return folder


def check_manifest(folder: str | os.PathLike, manifest: str, names: Iterable[str]) -> list[str]:
    """What is wrong with ``names`` in ``folder`` against its manifest: each a short phrase (the
    file is missing, or not the one the run wrote); empty when they are the run's. A manifest
    without a ``files`` entry (resim before 0.3) cannot be checked and passes."""
    folder = Path(folder)
    data = json.loads((folder / manifest).read_text(encoding="utf-8"))
    listed = data.get("files") if isinstance(data, dict) else None
    if not isinstance(listed, dict):
        return []
    problems = []
    for name in names:
        entry, path = listed.get(name), folder / name
        if not isinstance(entry, dict):
            problems.append(f"{name} is not listed in {manifest}")
        elif not path.is_file():
            problems.append(f"{name} is missing")
        elif path.stat().st_size != entry.get("bytes") or _sha256(path) != entry.get("sha256"):
            problems.append(f"{name} is not the file this run wrote (changed since)")
    return problems


def _open_new(directory: Path, name: str) -> tuple[int, Path]:
    """A new, uniquely named file in ``directory`` opened for writing, mode 0666 less the umask."""
    for _ in range(100):
        temporary = directory / f".{name}.{secrets.token_hex(6)}.tmp"
        try:
            return os.open(temporary, _FLAGS, 0o666), temporary
        except FileExistsError:
            continue
    raise FileExistsError(f"no free temporary name for {name} in {directory}")


def _write_atomic_with(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Have ``write(handle)`` write ``path``'s bytes to a temporary file beside it, then rename it into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = _open_new(path.parent, path.name)
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())  # on disk before the rename, so a power cut cannot leave it empty
        os.replace(temporary, path)
    except BaseException as exc:
        temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError) and exc.filename is None:  # a failed write names no file: say which
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        raise


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8, newlines as given) to ``path`` through a temporary file and a rename,
    so no half file remains; the file's mode is 0666 less the umask, as for any new file."""
    data = text.encode("utf-8")
    _write_atomic_with(Path(path), lambda handle: handle.write(data))


def write_csv(path: Path, table: "pd.DataFrame") -> None:
    """Write ``table`` as every CSV file of resim is written (UTF-8, no index, floats to six
    significant digits) to ``path``, as :func:`write_atomic` does; pandas streams the rows to
    the file, so a long table's text is never whole in memory (tens of MB for a century of days)."""
    _write_atomic_with(Path(path), lambda handle: table.to_csv(handle, index=False, float_format="%.6g",
                                                               encoding="utf-8"))


def save_figure(figure, path: Path, dpi: int = 150) -> None:
    """Save a matplotlib Figure as PNG through a temporary file and a rename."""
    _write_atomic_with(Path(path), lambda handle: figure.savefig(handle, format="png", dpi=dpi))
