"""Read YAML from untrusted files safely, remembering the line of every value.

PyYAML composes the file into a node tree (which builds no objects); this module checks that tree
against hard limits (file size, expanded node count, nesting depth) *before* building any data, so
a "billion laughs" file is refused in milliseconds. Data is then built from the standard YAML tags
only (no object construction from tags, timestamps kept as text), and every mapping entry and
sequence item records the line it came from, so that validation errors can point at it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from typing import Any, Callable

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from resim.core.errors import Problem, ScenarioError

__all__ = ["Budget", "Located", "load_yaml_file", "parse_yaml_text", "MAX_FILE_BYTES", "MAX_NODES",
           "MAX_DEPTH", "file_kind"]

MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_NODES = 2_000_000
MAX_DEPTH = 100

Path = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALARS: dict[str, Callable[[SafeConstructor, ScalarNode], Any]] = {
    _TAG + "str": SafeConstructor.construct_yaml_str,
    _TAG + "int": SafeConstructor.construct_yaml_int,
    _TAG + "float": SafeConstructor.construct_yaml_float,
    _TAG + "bool": SafeConstructor.construct_yaml_bool,
    _TAG + "null": SafeConstructor.construct_yaml_null,
    # Dates stay text: the format has no date fields, and text is what a user typed.
    _TAG + "timestamp": SafeConstructor.construct_scalar,
}

# PyYAML resolves YAML 1.1 forms that surprise users: country code NO as false, 1:30 as 90.
_YAML11_ONLY: dict[str, Callable[[str], bool]] = {
    _TAG + "bool": lambda text: text.lower() in ("true", "false"),
    _TAG + "int": lambda text: ":" not in text,
    _TAG + "float": lambda text: ":" not in text,
}


@dataclass(frozen=True)
class Located:
    """Plain data read from a file, with the (file, line) each field path came from."""

    data: Any
    locations: dict[Path, tuple[str, int]] = field(default_factory=dict)

    def where(self, path: Path) -> tuple[str, int]:
        """The (file, line) of ``path``, or of its longest located prefix."""
        path = tuple(path)
        for end in range(len(path), -1, -1):
            found = self.locations.get(path[:end])
            if found:
                return found
        return next(iter(self.locations.values()), ("<data>", 0))[0], 1


def load_yaml_file(path: str | os.PathLike, *, display: str | None = None) -> Located:
    """Read a YAML file within the size limit; raise ScenarioError if it cannot be read safely."""
    display = display or os.fspath(path)
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise _fail(display, 1, "(file)", f"not a regular file ({file_kind(info.st_mode)}; "
                        "expected a YAML file)")
        size = info.st_size
        if size > MAX_FILE_BYTES:
            raise _fail(display, 1, "(file)", f"file is {size:,} bytes (at most {MAX_FILE_BYTES:,})")
        # O_NONBLOCK: should the path turn into a FIFO after the check, opening it does not hang.
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)), "rb") as stream:
            raw = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _fail(display, 1, "(file)", f"cannot read the file ({exc.strerror or exc})") from None
    return parse_yaml_text(decode_text(raw, display), display)


def file_kind(mode: int) -> str:
    """What a non-regular file is, in words."""
    for test, word in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return word
    return "not a plain file"


def decode_text(raw: bytes, display: str) -> str:
    """Decode strict UTF-8 (a byte-order mark is allowed); refuse binary data."""
    if b"\x00" in raw:
        line = raw[:raw.index(b"\x00")].count(b"\n") + 1
        raise _fail(display, line, "(file)", "binary data (expected a UTF-8 text file)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise _fail(display, line, "(file)",
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}; save the file as UTF-8)") from None


class Budget:
    """The values (aliases expanded) still allowed in one scenario: the YAML cells of all its CSV
    tables share one budget, so a file cannot spread an alias bomb over many cells."""

    def __init__(self, limit: int = MAX_NODES):
        self.limit = limit
        self.left = limit


def parse_yaml_text(text: str, display: str, budget: Budget | None = None) -> Located:
    """Parse one YAML document into plain data with locations; raise ScenarioError if unsafe or
    invalid. With ``budget``, its values count against (and are taken from) that budget."""
    documents = _compose_fast(text)
    try:
        if documents is None:
            documents = list(yaml.compose_all(text, Loader=yaml.SafeLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 1
        reason = exc.problem or exc.context or "unreadable"
        raise _fail(display, line, "yaml", f"{reason} (expected valid YAML)") from None
    except yaml.reader.ReaderError as exc:
        line = text[:max(exc.position, 0)].count("\n") + 1
        what = (f"the control character U+{exc.character:04X}" if isinstance(exc.character, int)
                else f"the character {exc.character!r}")
        raise _fail(display, line, "yaml",
                    f"{what} is not allowed (expected printable text; remove it)") from None
    except yaml.YAMLError as exc:
        raise _fail(display, 1, "yaml", f"{exc} (expected valid YAML)") from None
    except RecursionError:
        raise _fail(display, _too_deep(text), "yaml",
                    f"nesting deeper than {MAX_DEPTH} levels (expected at most {MAX_DEPTH})") from None
    if not documents or documents[0] is None:
        raise _fail(display, 1, "(top level)", "the file is empty (expected a mapping of scenario fields)")
    if len(documents) > 1:
        line = documents[1].start_mark.line + 1
        raise _fail(display, line, "yaml", "more than one YAML document (expected exactly one)")
    root = documents[0]
    budget = budget or Budget()
    budget.left -= _check_size(root, display, budget)
    builder = _Builder(display, root.start_mark.line + 1)
    data = builder.build(root, ())
    if builder.problems:
        raise ScenarioError(sorted(set(builder.problems)))
    return Located(data, builder.locations)


def _compose_fast(text: str) -> list[Node] | None:
    """The documents composed by libyaml (PyYAML's C parser, about twice as fast on large files),
    or None when the pure-Python composer must do it: libyaml is missing, the text holds a
    character PyYAML refuses, nesting is deeper than MAX_DEPTH (the C composer recurses without
    Python's limit, so depth is first measured on its iterative event stream), or the text is not
    valid YAML (PyYAML's messages are the ones this module reports). The trees are the same but
    for a plain scalar's style, which is '' instead of None and not read here."""
    loader = getattr(yaml, "CSafeLoader", None)
    if loader is None or yaml.reader.Reader.NON_PRINTABLE.search(text):
        return None
    try:
        if _first_too_deep(yaml.parse(text, Loader=loader)) is not None:
            return None
        return list(yaml.compose_all(text, Loader=loader))
    except yaml.YAMLError:
        return None


def _too_deep(text: str) -> int:
    """The line where nesting first goes deeper than MAX_DEPTH, from the (iterative) event
    stream; 1 if it cannot be found."""
    try:
        event = _first_too_deep(yaml.parse(text, Loader=yaml.SafeLoader))
    except (yaml.YAMLError, RecursionError):
        return 1
    return 1 if event is None else event.start_mark.line + 1


def _first_too_deep(events) -> yaml.Event | None:
    """The first event of ``events`` that opens a level deeper than MAX_DEPTH, or None."""
    depth = 0
    for event in events:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                return event
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1
    return None


def _fail(display: str, line: int, path: str, message: str) -> ScenarioError:
    return ScenarioError([Problem(display, line, path, message)])


def _check_size(root: Node, display: str, budget: Budget) -> int:
    """Count nodes as if aliases were expanded, without expanding them; refuse cycles and excess."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node, depth: int) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if depth > MAX_DEPTH:
            raise _fail(display, node.start_mark.line + 1, "yaml",
                        f"nesting deeper than {MAX_DEPTH} levels")
        if key in active:
            raise _fail(display, node.start_mark.line + 1, "yaml", "an alias refers to itself")
        active.add(key)
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(item, depth + 1) for item in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k, depth + 1) + size(v, depth + 1) for k, v in node.value)
        active.discard(key)
        if total > budget.left:
            shared = "" if budget.left == budget.limit else " in this scenario's files together"
            raise _fail(display, node.start_mark.line + 1, "yaml",
                        f"alias expansion would create over {budget.limit:,} values{shared} "
                        "(a 'billion laughs' file?)")
        sizes[key] = total
        return total

    return size(root, 0)


class _Builder:
    """Build plain Python data from a checked node tree, recording locations and problems."""

    def __init__(self, display: str, first_line: int):
        self.display = display
        self.constructor = SafeConstructor()
        self.locations: dict[Path, tuple[str, int]] = {(): (display, first_line)}
        self.problems: list[Problem] = []

    def _problem(self, node: Node, path: Path, message: str) -> None:
        from resim.core.errors import format_path
        self.problems.append(Problem(self.display, node.start_mark.line + 1, format_path(path), message))

    def build(self, node: Node, path: Path) -> Any:
        if isinstance(node, ScalarNode):
            construct = _SCALARS.get(node.tag)
            if construct is None:
                self._problem(node, path, f"the tag {node.tag} is not allowed (expected plain YAML values)")
                return None
            if node.tag in _YAML11_ONLY and not _YAML11_ONLY[node.tag](node.value):
                return node.value  # YAML 1.2 reading: NO (Norway), yes, 1:30 stay text
            try:
                return construct(self.constructor, node)
            except (ValueError, yaml.YAMLError) as exc:
                self._problem(node, path, f"cannot read {node.value!r} ({exc})")
                return None
        if isinstance(node, SequenceNode):
            if node.tag != _TAG + "seq":
                self._problem(node, path, f"the tag {node.tag} is not allowed (expected plain YAML values)")
            items = []
            for index, item in enumerate(node.value):
                self.locations[path + (index,)] = (self.display, item.start_mark.line + 1)
                items.append(self.build(item, path + (index,)))
            return items
        if node.tag != _TAG + "map":
            self._problem(node, path, f"the tag {node.tag} is not allowed (expected plain YAML values)")
        return self._mapping(node, path)

    def _mapping(self, node: MappingNode, path: Path) -> dict:
        result: dict = {}
        merged: list[MappingNode] = []
        for key_node, value_node in node.value:
            if key_node.tag == _TAG + "merge":
                sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
                for source in sources:
                    if isinstance(source, MappingNode):
                        merged.append(source)
                    else:
                        self._problem(source, path, "a merge key '<<' takes a mapping or a list of mappings")
                continue
            if not isinstance(key_node, ScalarNode):
                self._problem(key_node, path, "a key must be a plain value, not a list or mapping")
                continue
            key = self.build(key_node, path)
            if isinstance(key, float) or key is None or isinstance(key, bool):
                key = key_node.value  # keys are names: keep "yes", "1.0", "null" as typed
            if key in result:
                self._problem(key_node, path + (key,), f"duplicate key {key!r} (each key once per mapping)")
                continue
            self.locations[path + (key,)] = (self.display, key_node.start_mark.line + 1)
            result[key] = self.build(value_node, path + (key,))
        # Explicit keys win over merged ones; earlier merge sources win over later ones.
        for source in merged:
            for key, value in self._mapping(source, path).items():
                result.setdefault(key, value)
        return result
