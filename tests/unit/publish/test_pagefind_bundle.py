"""Pagefind's packed files re-encoded in sorted order, with names and references kept consistent."""

from __future__ import annotations

import json

from generator.publish.pagefind_bundle import (
    Tagged,
    canonical_bundle,
    decode,
    encode,
    pack,
    unpack,
)


def test_cbor_round_trip_uses_shortest_heads() -> None:
    value = [0, 23, 24, 255, 256, 65536, 2**32, -1, -500, "", "é" * 30, Tagged(b"\x00\x01"), [[1, 2], []], {"k": 1}]
    data = encode(value)
    assert decode(data, 0) == (value, len(data))
    assert encode(23) == b"\x17" and encode(24) == b"\x18\x18" and encode(256) == b"\x19\x01\x00"


def _bundle(order: list[tuple[str, list[int]]]) -> dict[str, bytes]:
    filter_blob = pack(encode(["topic", [list(item) for item in order]]))
    meta = ["1.5.2", [["en_aaa", 10]], [["a", "z", "en_idx"]], [["topic", "en_f1"]], [], ["title"]]
    entry = {"version": "1.5.2", "languages": {"en": {"hash": "en_meta1", "wasm": "en", "page_count": 1}}}
    return {
        "pagefind/filter/en_f1.pf_filter": filter_blob,
        "pagefind/pagefind.en_meta1.pf_meta": pack(encode(meta)),
        "pagefind/pagefind-entry.json": json.dumps(entry, separators=(",", ":")).encode(),
        "pagefind/pagefind.js": b"// untouched",
    }


def test_filter_order_no_longer_changes_the_bundle() -> None:
    one = canonical_bundle(_bundle([("Zürich", [0]), ("Asia", [1, 2])]), "pagefind")
    two = canonical_bundle(_bundle([("Asia", [1, 2]), ("Zürich", [0])]), "pagefind")
    assert one == two
    [filter_path] = [p for p in one if p.endswith(".pf_filter")]
    assert unpack(one[filter_path]) == ["topic", [["Asia", [1, 2]], ["Zürich", [0]]]]
    [meta_path] = [p for p in one if p.endswith(".pf_meta")]
    meta = unpack(one[meta_path])
    assert meta[3] == [["topic", filter_path.rsplit("/", 1)[1].removesuffix(".pf_filter")]]
    entry = json.loads(one["pagefind/pagefind-entry.json"])
    assert f"pagefind/pagefind.{entry['languages']['en']['hash']}.pf_meta" == meta_path
    assert one["pagefind/pagefind.js"] == b"// untouched"


def test_unreadable_files_leave_the_bundle_as_it_was() -> None:
    files = {"pagefind/filter/en_x.pf_filter": b"not gzip", "pagefind/pagefind.js": b"x"}
    assert canonical_bundle(files, "pagefind") == files
