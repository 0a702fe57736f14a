"""YAML parsing that keeps the source line of every key, for ``path:line:`` diagnostics."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import yaml

from generator.content.fastpaths import fast_paths_on
from generator.content.quickyaml import read_plain_document
from generator.content.xmltext import xml_text

log = logging.getLogger(__name__)

# The C loader is several times faster on large sites; fall back when libyaml is absent.
_Loader: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


# PyYAML's context of an error inside a flow collection ([a, b] or {a: b}), marked at its opening bracket.
_FLOW_CONTEXTS = ("while parsing a flow sequence", "while parsing a flow mapping")


@dataclass(frozen=True, slots=True)
class YamlDocument:
    """A parsed YAML document: its value and the 1-based line of each key.

    Top-level keys are named as-is, keys of nested mappings as ``parent.child``, the mappings of a
    list and their keys as ``parent.0`` and ``parent.0.child``.
    """

    data: Any
    key_lines: dict[str, int]
    duplicate_keys: tuple[tuple[str, int], ...]

    def line_of(self, key: str, default: int = 1) -> int:
        return self.key_lines.get(key, default)


class YamlSyntaxError(Exception):
    """Invalid YAML; ``line`` is 1-based within the parsed text."""

    def __init__(self, line: int, message: str) -> None:
        self.line = line
        self.message = message
        super().__init__(f"line {line}: {message}")


def parse_yaml(text: str) -> YamlDocument:
    """Return the parsed document, raising YamlSyntaxError with the offending line.

    Its texts hold no character XML 1.0 forbids (SPEC section 7): YAML refuses them written as
    they are, and those its escapes make (``"\\x01"``) are removed.
    """
    plain = read_plain_document(text) if fast_paths_on() else None
    if plain is not None:  # it reads no escapes, and refuses the characters YAML refuses
        return YamlDocument(plain[0], plain[1], ())
    loader = _Loader(text)
    node = None
    try:
        node = loader.get_single_node()
        if node is not None and "*" in text:
            _refuse_alias_bombs(node)
        if node is not None and "\\" in text:
            _remove_escaped_non_xml(node)
        data = _construct_document(loader, node, text) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if exc.context_mark is not None and (mark is None or mark.index >= len(text.rstrip())
                                             or exc.context in _FLOW_CONTEXTS):
            # "unexpected end of stream" points past the last line, and an unclosed '[' or '{' is
            # found only on the line after it: where the quote or bracket opens is the line the
            # author has to fix.
            mark = exc.context_mark
        line = min(mark.line + 1, text.rstrip().count("\n") + 1) if mark is not None else 1
        problem = " ".join(p for p in (exc.problem, exc.context) if p) or "invalid YAML"
        raise YamlSyntaxError(line, f"invalid YAML: {problem}") from exc
    except yaml.reader.ReaderError as exc:
        # A character YAML refuses (a NUL): its message would add a second line, "in <unicode string>,
        # position N"; one problem is one line, at the line that holds the character.
        character = exc.character if isinstance(exc.character, int) else ord(exc.character)
        line = text.count("\n", 0, exc.position) + 1
        raise YamlSyntaxError(line, f"invalid YAML: unacceptable character #x{character:04x}: {exc.reason}") from exc
    except (yaml.YAMLError, ValueError, TypeError) as exc:
        # Constructor errors without a mark, e.g. an impossible date like 2022-02-30.
        bad_line = _bad_timestamp_line(node) if isinstance(exc, ValueError) else None
        raise YamlSyntaxError(bad_line or 1, f"invalid YAML: {exc}") from exc
    finally:
        loader.dispose()
    key_lines: dict[str, int] = {}
    duplicates: list[tuple[str, int]] = []
    if isinstance(node, yaml.MappingNode):
        _collect_key_lines(node, "", key_lines, duplicates, depth=0)
    return YamlDocument(data, key_lines, tuple(duplicates))


_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
# Scalars whose PyYAML constructors are plain functions giving hashable values; anything else
# (a merge key '<<', binary data, a custom tag) goes to PyYAML's own constructor.
_SCALAR_TAGS = frozenset({_STR, "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                       "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"})


class _Unusual(Exception):
    """The document uses YAML the lean constructor leaves to PyYAML's."""


def _construct_document(loader: Any, node: yaml.Node, text: str) -> Any:
    """Return the document's value, as ``loader.construct_document(node)`` would.

    PyYAML's constructor spends most of its time on bookkeeping for anchors, recursion and
    custom tags, which front matter never uses: plain mappings, lists and strings are built
    here directly (3x faster), every other scalar (dates, numbers, booleans) by PyYAML's own
    constructor for its tag. A document with anchors or aliases ('&', '*': the same node in
    several places, possibly in itself) or anything else unusual is left wholly to PyYAML.
    """
    if "&" not in text and "*" not in text and fast_paths_on():
        try:
            return _construct(loader, node)
        except Exception:  # noqa: BLE001 (PyYAML's constructor below gives the same error, or none)
            # Errors come from PyYAML's own order of construction, as the first one it meets
            # is the one reported; start it afresh.
            loader.constructed_objects, loader.recursive_objects = {}, {}
            loader.state_generators, loader.deep_construct = [], False
    return loader.construct_document(node)


def _construct(loader: Any, node: yaml.Node) -> Any:
    kind = type(node)
    if kind is yaml.ScalarNode:
        if node.tag not in _SCALAR_TAGS:
            raise _Unusual
        return node.value if node.tag == _STR else loader.construct_object(node)
    if kind is yaml.SequenceNode and node.tag == _SEQ:
        return [_construct(loader, item) for item in node.value]
    if kind is yaml.MappingNode and node.tag == _MAP:
        data: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            if type(key_node) is not yaml.ScalarNode:
                raise _Unusual
            data[_construct(loader, key_node)] = _construct(loader, value_node)
        return data
    raise _Unusual


def _remove_escaped_non_xml(root: yaml.Node) -> None:
    """Remove the characters XML 1.0 forbids from the double-quoted scalars below ``root``: only
    their escapes can make one. (Aliases make the same node appear in several places.)"""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, yaml.ScalarNode):
            if node.style == '"':
                node.value = xml_text(node.value)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                stack += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            stack.extend(node.value)


# At most this many values once aliases are expanded: front matter is a few dozen, and a document
# of nested aliases ("billion laughs") can stand for a billion in a few lines, which a template
# walking it (``tojson``) would build. Many YAML libraries bound aliases the same way.
EXPANDED_LIMIT = 10_000


def _refuse_alias_bombs(root: yaml.Node) -> None:
    """Raise YamlSyntaxError, at the line of the top-level value that passes it, when the document
    would hold more than EXPANDED_LIMIT values with every alias written out (or an alias to itself)."""
    sizes: dict[int, int] = {}
    total = 1
    for child in _children(root):
        total += _expanded_size(child, sizes, set())
        if total > EXPANDED_LIMIT:
            raise YamlSyntaxError(child.start_mark.line + 1, f"invalid YAML: aliases ('*') expand to more than "
                                  f"{EXPANDED_LIMIT:,} values; write the values out")


def _expanded_size(node: yaml.Node, sizes: dict[int, int], open_nodes: set[int]) -> int:
    """Return how many values ``node`` stands for with every alias expanded (beyond the limit: any more)."""
    known = sizes.get(id(node))
    if known is not None:
        return known
    if id(node) in open_nodes:  # an alias inside the node it names: endless once expanded
        return EXPANDED_LIMIT + 1
    open_nodes.add(id(node))
    size = 1
    for child in _children(node):
        size += _expanded_size(child, sizes, open_nodes)
        if size > EXPANDED_LIMIT:
            break
    open_nodes.discard(id(node))
    sizes[id(node)] = size
    return size


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _collect_key_lines(
    node: yaml.MappingNode,
    prefix: str,
    key_lines: dict[str, int],
    duplicates: list[tuple[str, int]],
    depth: int,
) -> None:
    for key_node, value_node in node.value:
        if not isinstance(key_node, yaml.ScalarNode):
            continue
        name = prefix + str(key_node.value)
        line = key_node.start_mark.line + 1
        if name in key_lines:
            duplicates.append((name, line))
        key_lines[name] = line
        if depth < 2 and isinstance(value_node, yaml.MappingNode):
            _collect_key_lines(value_node, name + ".", key_lines, duplicates, depth + 1)
        elif depth < 2 and isinstance(value_node, yaml.SequenceNode):
            # A list of mappings (``corrections:``): each item as ``name.0``, its keys as ``name.0.date``.
            for index, item in enumerate(value_node.value):
                if isinstance(item, yaml.MappingNode):
                    key_lines[f"{name}.{index}"] = item.start_mark.line + 1
                    _collect_key_lines(item, f"{name}.{index}.", key_lines, duplicates, depth + 1)


def _bad_timestamp_line(node: yaml.Node | None) -> int | None:
    """Return the 1-based line of the first timestamp that is no real date (e.g. 2022-02-30)."""
    checker = yaml.SafeLoader("")
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop(0)
        if isinstance(current, yaml.ScalarNode) and current.tag == "tag:yaml.org,2002:timestamp":
            try:
                checker.construct_yaml_timestamp(current)
            except ValueError:
                return current.start_mark.line + 1
        elif isinstance(current, yaml.MappingNode):
            stack[:0] = [value for _key, value in current.value]
        elif isinstance(current, yaml.SequenceNode):
            stack[:0] = list(current.value)
    return None
