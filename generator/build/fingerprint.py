"""Stable digests of build inputs: template contexts, settings, source files (issue 5).

A page is re-rendered only when the digest of everything it is rendered from changes, so this
digest must see every value a template can read. It walks values structurally instead of
pickling them: frozen dataclasses (``Entry``, ``PageMeta``), mappings (also read-only ones),
sequences, dates and strings. A value it does not understand makes the digest unique to this
run, so the page is rendered again: an unknown type can cost time, never correctness.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import logging
import operator
import os
from collections.abc import Mapping
from enum import Enum
from typing import Any, Callable

from generator.model.body import StoredHtml

log = logging.getLogger(__name__)

DIGEST_SIZE = 16


def digest_bytes(data: bytes) -> str:
    """Return the hex digest of ``data`` (BLAKE2b, 128 bits)."""
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).hexdigest()


def digest_text(text: str) -> str:
    """Return the hex digest of a text's UTF-8 bytes."""
    return digest_bytes(text.encode("utf-8", "surrogatepass"))


def combine(*parts: str) -> str:
    """Return one digest for several digests or short texts, in order."""
    return digest_text("\x1f".join(f"{len(p)}:{p}" for p in parts))


class Fingerprinter:
    """Digests values; dataclass instances shared between pages are digested once per instance.

    A value is first reduced to nested tuples of plain scalars (each dataclass instance replaced
    by its own digest), whose ``repr`` is then hashed: ``repr`` of str, int, datetime and tuples is
    exact and runs in C. The memo holds each digested instance, so its ``id`` cannot be reused
    while the memo lives: make one per build and drop it afterwards.
    """

    def __init__(self) -> None:
        self._memo: dict[int, tuple[object, str]] = {}
        self._fields: dict[type, Callable[[Any], tuple[Any, ...]]] = {}
        self._spelled: dict[int, tuple[object, str]] = {}

    def digest(self, value: Any) -> str:
        """Return the digest of ``value``."""
        return digest_text(repr(self._reduce(value)))

    def spelled(self, value: Any) -> str:
        """Return ``repr(value)``, made once per object for the values pages share (not texts or
        names of articles, which are cheaper to spell again than to look up)."""
        if isinstance(value, (str, tuple)) or type(value) in _PLAIN:
            return repr(value)
        known = self._spelled.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        text = repr(value)
        self._spelled[id(value)] = (value, text)
        return text

    def _reduce(self, value: Any) -> Any:
        kind = type(value)
        if kind in _PLAIN:
            return value
        if kind is str:
            return value if len(value) < _LONG else self._long_text(value)
        if kind is StoredHtml:  # the digest of the HTML stands for it (its bytes are compressed)
            return ("H", value.digest)
        getter = self._fields.get(kind)
        if getter is not None:
            return self._dataclass_digest(value, kind, getter)
        if kind is tuple or kind is list:
            return (kind.__name__, tuple([self._reduce(item) for item in value]))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            names = [f.name for f in dataclasses.fields(value)]
            # Always a tuple, even for a dataclass with one field.
            getter = self._fields[kind] = operator.attrgetter(*names, *names[:1]) if names else lambda v: ()
            return self._dataclass_digest(value, kind, getter)
        if isinstance(value, Mapping):
            return ("D", tuple([(self._reduce(k), self._reduce(v)) for k, v in value.items()]))
        if isinstance(value, str):  # Markup and other str subclasses: the type and the text
            return (kind.__qualname__, self._reduce(str(value)))
        if isinstance(value, (tuple, list)):
            return (kind.__qualname__, tuple([self._reduce(item) for item in value]))
        if isinstance(value, (set, frozenset)):
            return ("S", tuple(sorted(repr(self._reduce(item)) for item in value)))
        if isinstance(value, Enum):
            return ("E", kind.__qualname__, value.name)
        return _opaque(value)

    def _long_text(self, value: str) -> str:
        # Article bodies appear in a page and in feeds: hash each string object once.
        known = self._memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        result = "$" + digest_text(value)
        self._memo[id(value)] = (value, result)
        return result

    def _dataclass_digest(self, value: Any, kind: type, getter: Callable[[Any], tuple[Any, ...]]) -> Any:
        known = self._memo.get(id(value))
        if known is not None and known[0] is value:
            return known[1]
        plain = _PLAIN
        items = getter(value)
        if len(items) <= _SMALL and all(type(item) in plain or (type(item) is str and len(item) < _LONG) for item in items):
            # A small value of plain fields (a topic link, an image): spelled out in place is
            # cheaper than hashing it on its own and remembering it.
            return (kind.__module__, kind.__qualname__, items)
        reduced = [kind.__module__, kind.__qualname__]
        reduced.extend([
            item if type(item) in plain or (type(item) is str and len(item) < _LONG) else self._reduce(item)
            for item in items
        ])
        result = "#" + digest_text(repr(reduced))
        self._memo[id(value)] = (value, result)
        return result


# Strings at least this long are replaced by their digest before the final repr.
_LONG = 512
# Dataclasses with at most this many fields, all plain, are spelled out rather than digested.
_SMALL = 5
# Types whose repr is exact, deterministic and says which type it is.
_PLAIN: frozenset[type] = frozenset({
    int, float, bool, type(None), bytes, dt.datetime, dt.date, dt.time, dt.timedelta,
})


def _opaque(value: Any) -> str:
    text = repr(value)
    if " at 0x" in text or " object at " in text:
        # A repr naming a memory address says nothing about the value: never match a cached page.
        return "?" + os.urandom(DIGEST_SIZE).hex()
    return f"r{type(value).__qualname__}{len(text)}:{text}"
