"""Front matter in its usual shape, read without libyaml: PyYAML's values, a fifth of its cost (issue 5).

Nearly every article's front matter is a dozen ``key: value`` lines: quoted or plain text,
dates, a ``[a, b]`` list, and one mapping indented under a key (``image:``). libyaml spends
about 35 microseconds an article on such a document, most of it building nodes and resolving
each scalar's tag in Python. ``read_plain_document`` reads that shape line by line instead, and
gives up (returns None) on anything else: comments, tabs, escapes, block scalars, anchors, tags,
flow mappings, continuation lines, deeper nesting, duplicate keys, unusual characters. Those
documents go to PyYAML as before, so every value, key line and error message stays PyYAML's.

Tags are resolved with PyYAML's own implicit resolvers, and dates, numbers and booleans are
built by its own constructors, so ``2022-01-09``, ``yes`` and ``0x1f`` mean what they mean there.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

_STR = "tag:yaml.org,2002:str"
# Scalar tags whose PyYAML constructors need nothing but the text; any other tag a plain scalar
# resolves to ('<<', '=') sends the document to PyYAML.
_SCALAR_TAGS = frozenset({"tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                          "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp"})

# Anything but '\n' and the characters libyaml reads as plain text: control characters (which it
# refuses), tabs, the other line breaks ('\r', NEL, LS, PS), a byte-order mark.
_UNUSUAL_CHARACTER = re.compile(
    "[^\n\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010ffff]")
# A key with its indent; a key that needs quoting in YAML is not a match.
_KEY = re.compile(r"( *)([A-Za-z_][A-Za-z0-9_-]{0,63})")
_SINGLE_QUOTED = re.compile(r"'((?:[^']|'')*)'")
# One item of a flow list and what follows it; plain items may not hold what would end or
# re-type them in a flow context (',[]{}', ':', '#') nor start with an indicator or a quote.
_FLOW_ITEM = re.compile(
    r''' *(?:"([^"\\]*)"|'((?:[^']|'')*)'|([^ "'\[\]{},:#&*!|>%@`?\-][^\[\]{},:#]*?)) *(?:(,)|\] *\Z)''')
_EMPTY_FLOW = re.compile(r"\[ *\] *\Z")
# Characters a plain scalar cannot start with in a block context (or can only in forms left to PyYAML).
_INDICATORS = frozenset("-?:,[]{}#&*!|>'\"%@`")


class _Unusual(Exception):
    """The document has something this reader leaves to PyYAML."""


def read_plain_document(text: str) -> tuple[dict[str, Any], dict[str, int]] | None:
    """Return the document's mapping and the 1-based line of each key, or None to leave it to PyYAML.

    Keys are named as ``YamlDocument.key_lines`` names them (``image.src`` under ``image:``).
    """
    if _UNUSUAL_CHARACTER.search(text) is not None:
        return None
    lines = text.split("\n")
    data: dict[str, Any] = {}
    key_lines: dict[str, int] = {}
    parent = ""  # the key whose empty value the indented lines below it fill with a mapping
    nested: dict[str, Any] | None = None
    indent = 0
    try:
        for number, line in enumerate(lines, 1):
            if not line:  # an empty line ends nothing here (no multi-line scalars are read)
                continue
            head, colon, value = line.partition(":")
            if not colon or value[:1] not in ("", " "):
                return None
            spaces, key = _key(head)
            if spaces:
                if not parent:
                    return None
                if nested is None:
                    nested, indent = {}, spaces
                    data[parent] = nested
                elif spaces != indent:
                    return None
                name, target = f"{parent}.{key}", nested
            else:
                parent, nested = "", None
                name, target = key, data
            if name in key_lines:  # PyYAML's path reports duplicate keys
                return None
            key_lines[name] = number
            value = value.strip(" ")
            if value:
                target[key] = _value(value)
            else:
                target[key] = None
                if not spaces:
                    parent = key
    except Exception:  # noqa: BLE001 (_Unusual, or an impossible date: PyYAML words its error)
        return None
    return (data, key_lines) if data else None  # no keys at all: an empty document is None to PyYAML


# Keys as written (with their indent) -> (indent, key); a site has a few dozen, read thousands of times.
_KEYS: dict[str, tuple[int, str]] = {}


def _key(head: str) -> tuple[int, str]:
    known = _KEYS.get(head)
    if known is not None:
        return known
    match = _KEY.fullmatch(head)
    if match is None:
        raise _Unusual
    spaces, key = match.groups()
    if _plain_scalar(key) is not key:  # 'yes:', 'null:' are not text
        raise _Unusual
    known = len(spaces), key
    if len(_KEYS) < 1024:
        _KEYS[head] = known
    return known


def _value(text: str) -> Any:
    first = text[0]
    if first == '"':
        inner = text[1:-1]
        if len(text) < 2 or text[-1] != '"' or '"' in inner or "\\" in inner:  # escapes are PyYAML's
            raise _Unusual
        return inner
    if first == "'":
        match = _SINGLE_QUOTED.fullmatch(text)
        if match is None:
            raise _Unusual
        return match.group(1).replace("''", "'")
    if first == "[":
        return _flow_list(text)
    if first in _INDICATORS or ": " in text or " #" in text or text[-1] == ":":
        raise _Unusual
    return _plain_scalar(text)


def _flow_list(text: str) -> list[Any]:
    if _EMPTY_FLOW.match(text):
        return []
    items: list[Any] = []
    position = 1
    while True:
        match = _FLOW_ITEM.match(text, position)
        if match is None:
            raise _Unusual
        double, single, plain, comma = match.groups()
        if double is not None:
            items.append(double)
        elif single is not None:
            items.append(single.replace("''", "'"))
        else:
            items.append(_plain_scalar(plain))
        if comma is None:
            return items
        position = match.end()


_RESOLVERS: dict[Any, list[tuple[str, re.Pattern[str]]]] = yaml.SafeLoader.yaml_implicit_resolvers
_TIMESTAMP = "tag:yaml.org,2002:timestamp"
_CONSTRUCTORS = yaml.SafeLoader.yaml_constructors
_CONSTRUCTOR = yaml.constructor.SafeConstructor()
# The two forms of date front matter uses, built here as PyYAML builds them (its constructor
# runs a long regex and a dozen steps on every timestamp).
_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:[-+][0-9]{2}:[0-9]{2}|Z)?\Z")
# One ``timezone`` per offset, equal to PyYAML's (a new one each time) but pickled once per batch
# of articles and held once in memory.
_ZONES: dict[str, dt.tzinfo | None] = {"": None, "Z": dt.timezone.utc}


def _plain_scalar(text: str) -> Any:
    """Return a plain scalar's value, as PyYAML resolves and constructs it."""
    for tag, pattern in _RESOLVERS.get(text[0], ()):
        if pattern.match(text):
            break
    else:
        for tag, pattern in _RESOLVERS.get(None, ()):
            if pattern.match(text):
                break
        else:
            return text
    if tag == _TIMESTAMP:
        if _DAY.match(text):
            return dt.date(int(text[:4]), int(text[5:7]), int(text[8:10]))
        if _TIME.match(text):
            return dt.datetime(int(text[:4]), int(text[5:7]), int(text[8:10]), int(text[11:13]), int(text[14:16]),
                               int(text[17:19]), tzinfo=_zone(text[19:]))
    if tag not in _SCALAR_TAGS:
        raise _Unusual
    return _CONSTRUCTORS[tag](_CONSTRUCTOR, yaml.ScalarNode(tag, text))


def _zone(suffix: str) -> dt.tzinfo | None:
    zone = _ZONES.get(suffix)
    if zone is None and suffix:
        offset = dt.timedelta(hours=int(suffix[1:3]), minutes=int(suffix[4:6]))
        zone = _ZONES[suffix] = dt.timezone(-offset if suffix[0] == "-" else offset)
    return zone
