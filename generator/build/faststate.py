"""The fast path's model kept across processes, so ``newsbite build`` can take it too (issue 5).

After a full rebuild without search indexing (not a first build into an empty folder), the
model the fast path starts from (``incremental.LastSite``, without its template environment) is
saved in
``<site>/.newsbite-cache/fast/`` with the digest of every input of that build (the *base*); the
output record keeps the base too, with each Markdown file's digest at the time. The next build
compares the current inputs with the base: when nothing but published Markdown files differs, it
loads the model and applies the edit as the dev server does (``build._fast_from_disk``). The
file is checksummed like every cache file; a damaged one, one from other code, or one whose base
does not match the output record reads as missing, and the build runs in full.

Saving costs about 0.6 s at 10,000 articles (80 MB); loading about 0.4 s.
"""

from __future__ import annotations

import copyreg
import dataclasses
import functools
import operator
import pickle
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, BinaryIO, Callable

from generator.build import collector
from generator.build.cache import (
    CACHE_DIR,
    HEADER_SIZE,
    code_digest,
    header_for,
    payload_hash,
    unpack,
)
from generator.build.fingerprint import digest_text
from generator.build.incremental import LastSite
from generator.publish import output


@dataclass(frozen=True, slots=True)
class FastState:
    """A full build's model and the inputs it came from."""

    base: str  # the build's whole-input digest (``OutputState.inputs`` of that build)
    last: LastSite  # with ``env`` None: the caller makes a fresh one


def state_file(site_dir: Path, out_dir: Path) -> Path:
    """Return the file holding the fast path's model for builds into ``out_dir``."""
    return site_dir / CACHE_DIR / "fast" / f"{digest_text(str(out_dir.resolve()))}.pickle"


def save(site_dir: Path, out_dir: Path, state: FastState) -> None:
    """Keep ``state`` for the next build into ``out_dir``."""
    # The template environment cannot be pickled (the loader makes a new one); the derived indexes
    # are derived again on first use, as after any full build.
    last = dataclasses.replace(state.last, env=None, derived=type(state.last.derived)())  # type: ignore[arg-type]
    payload = {"code": code_digest(), "state": dataclasses.replace(state, last=last)}

    def fill(handle: BinaryIO) -> bytes:
        sink = _Checksummed(handle)
        pickler = _StatePickler(sink, protocol=pickle.HIGHEST_PROTOCOL)
        # The model is hundreds of thousands of small objects, none of them in a cycle: the
        # collector would rescan every new one again and again (2-3 x slower).
        with collector.paused():
            pickler.dump(payload)
        return header_for(sink.checksum)

    # Written as it is pickled: tens of megabytes at 10,000 articles, never held in memory whole.
    output.write_cache_stream(state_file(site_dir, out_dir), HEADER_SIZE, fill)


def load(site_dir: Path, out_dir: Path) -> FastState | None:
    """Return the state saved for ``out_dir``, or None when it is missing, damaged or from other code."""
    with collector.paused():  # as when saving
        payload = unpack(output.read_cache_file(state_file(site_dir, out_dir)))
    if not isinstance(payload, dict) or payload.get("code") != code_digest():
        return None
    state = payload.get("state")
    return state if isinstance(state, FastState) else None


def forget(site_dir: Path, out_dir: Path) -> None:
    """Drop the saved state (before a build changes the output it describes)."""
    output.remove_cache_file(state_file(site_dir, out_dir))


class _Checksummed:
    """A file to pickle into that keeps the checksum of everything written."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self.checksum = payload_hash()

    def write(self, data: bytes) -> int:
        self.checksum.update(data)
        return self._handle.write(data)


def _read_only(values: dict[Any, Any]) -> MappingProxyType[Any, Any]:
    return MappingProxyType(values)


def _reduce_proxy(proxy: MappingProxyType[Any, Any]) -> tuple[Callable[..., Any], tuple[Any, ...]]:
    return _read_only, (dict(proxy),)


_DISPATCH: dict[type, Any] = {**copyreg.dispatch_table, MappingProxyType: _reduce_proxy}


class _StatePickler(pickle.Pickler):
    """Pickles slotted dataclasses as their type and field values.

    The model holds over a hundred thousand of them; dataclasses' own ``__getstate__`` and
    ``__setstate__`` look up the fields again for every object, which made up half the time of
    saving and loading the model.
    """

    dispatch_table = _DISPATCH

    def reducer_override(self, obj: Any) -> Any:
        kind: type = type(obj)
        getter = _GETTERS.get(kind, _UNSEEN)
        if getter is _UNSEEN:
            getter = _GETTERS[kind] = _field_values(kind)
        if getter is None:
            return NotImplemented
        return _restore, (type(obj), getter(obj))


_UNSEEN: Any = object()
_GETTERS: dict[type, Callable[[Any], tuple[Any, ...]] | None] = {}


def _field_values(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    if not (dataclasses.is_dataclass(cls) and "__slots__" in cls.__dict__):
        return None
    getter = operator.attrgetter(*_field_names(cls))
    return getter if len(_field_names(cls)) > 1 else lambda obj: (getter(obj),)


@functools.cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(cls))


def _restore(cls: type, values: tuple[Any, ...]) -> Any:
    """Return an instance of a slotted (usually frozen) dataclass with these field values."""
    obj: Any = object.__new__(cls)
    for name, value in zip(_field_names(cls), values):
        object.__setattr__(obj, name, value)
    return obj
