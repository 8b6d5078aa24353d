"""The docs: generated parts match the code, every name of the format is documented, every link
resolves."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from resim.cli import reference
from resim.cli.commands import COMMANDS
from resim.cli.reference_fields import _note, _validators
from resim.cli.reference_text import NOTES, RULES
from resim.core import dist_models
from resim.scenario.format.chain import Policy
from resim.scenario.format.events import DISRUPTION_TYPES
from resim.scenario.format.strategies import ActionKind
from resim.scenario import Scenario

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
HOW = f"regenerate with: {reference.REGENERATE} (then review and commit docs/)"


def _read(name: str) -> str:
    return (DOCS / name).read_text(encoding="utf-8")


# -- (a) the generated parts are up to date -----------------------------------------------------------


def test_reference_matches_the_format():
    committed, generated = _read("reference.md"), reference.format_reference()
    assert committed == generated, (
        f"docs/reference.md differs from the scenario format in the code; {HOW}\n"
        + reference._diff(committed, generated, "docs/reference.md"))


def test_every_command_has_a_help_block_in_cli_md():
    missing = reference.missing_blocks(_read("cli.md"), reference.cli_help())
    assert not missing, (f"docs/cli.md has no generated --help block for {missing}: add a section "
                         f"with '<!-- generated: KEY -->' and '<!-- end generated -->', then {HOW}")


def test_every_command_in_the_help_is_implemented():
    named = [key.split()[1] for key in reference.cli_help() if key != "resim --help"]
    assert named == list(COMMANDS), "resim/cli/parser.py and COMMANDS in resim/cli/commands.py name different commands"


def test_cli_help_blocks_match_the_parser():
    committed = _read("cli.md")
    try:
        generated = reference.fill_generated(committed, reference.cli_help())
    except KeyError as exc:
        pytest.fail(f"{exc.args[0]}; remove the block or {HOW}")
    assert committed == generated, (
        f"the --help blocks of docs/cli.md differ from the command line; {HOW}\n"
        + reference._diff(committed, generated, "docs/cli.md"))


def test_help_blocks_do_not_depend_on_the_terminal(monkeypatch):
    blocks = reference.cli_help()
    monkeypatch.setenv("COLUMNS", "40")
    assert reference.cli_help() == blocks


def test_fill_generated_replaces_only_the_marked_blocks():
    text = ("intro\n<!-- generated: resim x --help -->\nold\n<!-- end generated -->\n"
            "kept\n<!-- generated: resim y --help -->\n<!-- end generated -->\n")
    filled = reference.fill_generated(text, {"resim x --help": "X\n", "resim y --help": "Y\n"})
    assert filled == ("intro\n<!-- generated: resim x --help -->\n```text\nX\n```\n"
                      "<!-- end generated -->\nkept\n<!-- generated: resim y --help -->\n```text\nY\n```\n"
                      "<!-- end generated -->\n")
    assert reference.fill_generated(filled, {"resim x --help": "X\n", "resim y --help": "Y\n"}) == filled
    with pytest.raises(KeyError):
        reference.fill_generated(text, {"resim x --help": "X\n"})
    assert reference.missing_blocks(text, {"resim x --help": "", "resim z --help": ""}) == ["resim z --help"]


# -- (b) every name of the format is in the reference -------------------------------------------------


def _models(cls: type[BaseModel], seen: dict[str, type[BaseModel]]) -> dict[str, type[BaseModel]]:
    if cls.__name__ in seen:
        return seen
    seen[cls.__name__] = cls

    def visit(annotation) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            _models(annotation, seen)
        for arg in typing.get_args(annotation):
            visit(arg)

    for info in cls.model_fields.values():
        visit(info.annotation)
    return seen


DIST_MODELS = {m.__name__ for m in dist_models.BY_NAME.values()}
FORMAT_MODELS = {name: cls for name, cls in _models(Scenario, {}).items() if name not in DIST_MODELS}


def test_reference_lists_every_top_level_field():
    text = _read("reference.md")
    for name, info in Scenario.model_fields.items():
        assert f"| `{info.alias or name}` |" in text, f"top-level field {name!r} missing; {HOW}"


def test_reference_has_a_section_for_every_disruption_type_policy_and_action():
    text = _read("reference.md")
    for kind in DISRUPTION_TYPES:
        assert f"`type: {kind}`" in text, f"disruption type {kind!r} missing; {HOW}"
    for policy in typing.get_args(typing.get_args(Policy)[0]):
        kind = typing.get_args(policy.model_fields["type"].annotation)[0]
        assert f"`type: {kind}`" in text, f"inventory policy {kind!r} missing; {HOW}"
    for action in ActionKind:
        assert f"| `{action}` |" in text, f"strategy action {action!r} missing; {HOW}"
    for name in dist_models.BY_NAME:
        assert f"| `{name}` |" in text, f"distribution {name!r} missing; {HOW}"


def test_reference_lists_every_field_of_every_section():
    text = _read("reference.md")
    for name, cls in FORMAT_MODELS.items():
        anchor = "top-level" if cls is Scenario else name.lower()
        assert f'<a id="{anchor}"></a>' in text, f"no section for {name}; {HOW}"
        for field, info in cls.model_fields.items():
            assert f"| `{info.alias or field}` |" in text, f"{name}.{field} missing; {HOW}"


def test_every_field_has_a_description():
    undocumented = [f"{name}.{field}" for name, cls in FORMAT_MODELS.items()
                    for field, info in cls.model_fields.items()
                    if not (info.description or _note(cls, field)) and field != "type"]
    assert not undocumented, (f"fields without a description: {undocumented}; give them "
                              "Field(description=...) in resim/scenario/format/ or a line in resim.cli.reference_text.NOTES")


def test_every_validator_is_stated_in_words():
    classes = set(FORMAT_MODELS.values())
    classes |= {base for cls in classes for base in cls.__mro__[1:] if issubclass(base, BaseModel)}
    unstated = [f"{cls.__name__}.{name}" for cls in classes for name in _validators(cls)
                if f"{cls.__name__}.{name}" not in RULES]
    assert not unstated, f"validators without a sentence in resim.cli.reference_text.RULES: {unstated}"


def test_notes_and_rules_name_existing_fields_and_validators():
    classes = {cls.__name__: cls for cls in FORMAT_MODELS.values()}
    classes |= {base.__name__: base for cls in FORMAT_MODELS.values() for base in cls.__mro__[1:]
                if issubclass(base, BaseModel)}
    for key in NOTES:
        owner, field = key.split(".")
        assert owner in classes and field in classes[owner].model_fields, f"NOTES[{key!r}]: no such field"
    for key in RULES:
        owner, name = key.split(".")
        assert owner in classes and name in _validators(classes[owner]), \
            f"RULES[{key!r}]: no such validator"


# -- (c) every relative link resolves -------------------------------------------------------------------

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
PAGES = sorted(DOCS.glob("*.md")) + [ROOT / "README.md"]


def _without_fences(text: str) -> str:
    return re.sub(r"^[ \t]*(```|~~~).*?^[ \t]*\1[^\n]*", "", text, flags=re.S | re.M)


def _without_code(text: str) -> str:
    return re.sub(r"`[^`\n]*`", "", _without_fences(text))


def _anchors(path: Path) -> set[str]:
    """Explicit ids and GitHub's heading anchors of a Markdown file."""
    text = path.read_text(encoding="utf-8")
    found = set(re.findall(r"<a\s+(?:id|name)=\"([^\"]+)\"", text))
    counts: dict[str, int] = {}
    for heading in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", _without_fences(text), flags=re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower().replace("`", "")).replace(" ", "-")
        n = counts.get(slug, 0)
        counts[slug] = n + 1
        found.add(slug if n == 0 else f"{slug}-{n}")
    return found


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_relative_links_resolve(page: Path):
    broken = []
    for target in LINK.findall(_without_code(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.\-]*:", target):  # http:, https:, mailto:
            continue
        path, _, fragment = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        if not resolved.exists():
            broken.append(f"{target} (no file {resolved})")
        elif fragment and resolved.suffix == ".md" and fragment not in _anchors(resolved):
            broken.append(f"{target} (no heading or anchor '{fragment}' in {resolved.name})")
    assert not broken, f"{page.relative_to(ROOT)}: broken links: {broken}"


def test_links_are_found():
    """The link check sees links (it would pass vacuously if the pattern matched nothing)."""
    links = LINK.findall(_without_code(_read("index.md")))
    assert "../README.md" in links and "reference.md" in links and "cli.md#resim-schema" in links
