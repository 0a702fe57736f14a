"""Make a Pagefind bundle the same bytes for the same site (SPEC section 5).

Pagefind 1.x writes its filter indexes, and the list of filters in its metadata file, in hash-map
order, which changes from run to run; the file names carry a hash of that content, so the names
change too. Everything else it writes is stable. This module re-encodes those files in sorted
order and renames them after their new content, keeping every reference consistent, so two builds
of one site produce identical output.

Pagefind's packed files are gzip of ``pagefind_dcd`` followed by CBOR; only the CBOR subset
Pagefind uses (unsigned and negative integers, byte and text strings, arrays, maps) is handled.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import re
from typing import Any, Mapping

log = logging.getLogger(__name__)

SIGNATURE = b"pagefind_dcd"
_META = re.compile(r"pagefind\.(?P<hash>.+)\.pf_meta$")


class Tagged(bytes):
    """A CBOR byte string (kept apart from text so it encodes back the same)."""


def canonical_bundle(files: Mapping[str, bytes], prefix: str) -> dict[str, bytes]:
    """Return the bundle with filter files and metadata in sorted order, renamed to match.

    Anything not understood is returned unchanged: search still works, only less reproducibly.
    """
    result = dict(files)
    try:
        renamed = _canonical_filters(result, prefix)
        _canonical_meta(result, prefix, renamed)
    except (ValueError, IndexError, KeyError, OSError, EOFError):
        return dict(files)
    return result


def _canonical_filters(files: dict[str, bytes], prefix: str) -> dict[str, str]:
    renamed: dict[str, str] = {}
    for path in sorted(p for p in files if p.startswith(f"{prefix}/filter/") and p.endswith(".pf_filter")):
        name, values = unpack(files[path])
        values = sorted(values, key=lambda item: (str(item[0]), list(item[1])))
        data = encode([name, values])
        old = path.rsplit("/", 1)[1].removesuffix(".pf_filter")
        new = _renamed(old, data, 7)
        del files[path]
        files[f"{prefix}/filter/{new}.pf_filter"] = pack(data)
        renamed[old] = new
    return renamed


def _canonical_meta(files: dict[str, bytes], prefix: str, renamed: Mapping[str, str]) -> None:
    entry_path = f"{prefix}/pagefind-entry.json"
    for path in sorted(p for p in files if p.startswith(f"{prefix}/pagefind.") and p.endswith(".pf_meta")):
        match = _META.search(path)
        if match is None:
            continue
        meta = unpack(files[path])
        filters = meta[3]
        meta[3] = sorted(([name, renamed.get(str(h), h)] for name, h in filters), key=lambda f: str(f[0]))
        data = encode(meta)
        old = match["hash"]
        new = _renamed(old, data, 13)
        del files[path]
        files[f"{prefix}/pagefind.{new}.pf_meta"] = pack(data)
        if entry_path in files and old != new:
            entry = json.loads(files[entry_path])
            for language in entry.get("languages", {}).values():
                if language.get("hash") == old:
                    language["hash"] = new
            # Pagefind writes compact JSON; keep its key order and form.
            files[entry_path] = json.dumps(entry, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _renamed(old: str, data: bytes, length: int) -> str:
    """Return ``<language>_<hash>`` for new content, keeping the language part of the old name."""
    language = old.rsplit("_", 1)[0] if "_" in old else old
    return f"{language}_{hashlib.sha1(data).hexdigest()[:length]}"


def unpack(blob: bytes) -> Any:
    """Return the CBOR value inside one of Pagefind's packed files."""
    data = gzip.decompress(blob)
    if not data.startswith(SIGNATURE):
        raise ValueError("not a Pagefind packed file")
    value, end = decode(data, len(SIGNATURE))
    if end != len(data):
        raise ValueError("trailing bytes after CBOR value")
    return value


def pack(data: bytes) -> bytes:
    """Return CBOR ``data`` packed as Pagefind reads it; mtime 0 keeps the gzip bytes stable."""
    return gzip.compress(SIGNATURE + data, compresslevel=9, mtime=0)


def decode(data: bytes, at: int) -> tuple[Any, int]:
    """Decode one CBOR item at ``at``; return it and the offset after it."""
    head = data[at]
    major, info = head >> 5, head & 0x1F
    at += 1
    if info < 24:
        arg = info
    elif info in (24, 25, 26, 27):
        size = 1 << (info - 24)
        arg = int.from_bytes(data[at: at + size], "big")
        at += size
    else:
        raise ValueError(f"unsupported CBOR head {head:#x}")
    if major == 0:
        return arg, at
    if major == 1:
        return -1 - arg, at
    if major == 2:
        return Tagged(data[at: at + arg]), at + arg
    if major == 3:
        return data[at: at + arg].decode("utf-8"), at + arg
    if major == 4:
        items = []
        for _ in range(arg):
            item, at = decode(data, at)
            items.append(item)
        return items, at
    if major == 5:
        pairs = []
        for _ in range(arg):
            key, at = decode(data, at)
            value, at = decode(data, at)
            pairs.append((key, value))
        return dict(pairs), at
    raise ValueError(f"unsupported CBOR major type {major}")


def _head(major: int, arg: int) -> bytes:
    if arg < 24:
        return bytes([major << 5 | arg])
    for info, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if arg < 1 << (8 * size):
            return bytes([major << 5 | info]) + arg.to_bytes(size, "big")
    raise ValueError("integer too large for CBOR")


def encode(value: Any) -> bytes:
    """Encode ``value`` as CBOR with the shortest heads (as Pagefind's encoder writes them)."""
    if isinstance(value, bool) or value is None:
        raise ValueError("unsupported CBOR value")
    if isinstance(value, int):
        return _head(0, value) if value >= 0 else _head(1, -1 - value)
    if isinstance(value, Tagged):
        return _head(2, len(value)) + bytes(value)
    if isinstance(value, str):
        raw = value.encode("utf-8")
        return _head(3, len(raw)) + raw
    if isinstance(value, (list, tuple)):
        return _head(4, len(value)) + b"".join(encode(v) for v in value)
    if isinstance(value, dict):
        return _head(5, len(value)) + b"".join(encode(k) + encode(v) for k, v in value.items())
    raise ValueError(f"unsupported CBOR value {type(value).__name__}")
