from __future__ import annotations

import os
from pathlib import Path

import pytest

from generator.build import bodyfiles, cache, sourcestore
from generator.content.paths import SitePaths
from generator.model.body import BodyLocation


def test_appended_bodies_read_back_from_one_file_per_process(tmp_path: Path) -> None:
    folder = bodyfiles.BodyFolder.for_build(tmp_path / "bodies")
    first = bodyfiles.append_bodies(folder, [b"one", b"", b"three"])
    second = bodyfiles.append_bodies(folder, [b"four"])
    assert [bodyfiles.read_body(loc) for loc in [*first, *second]] == [b"one", b"", b"three", b"four"]
    assert len({loc.file for loc in [*first, *second]}) == 1 and second[0].offset == 8
    other = bodyfiles.BodyFolder.for_build(tmp_path / "bodies")
    assert bodyfiles.append_bodies(other, [b"five"])[0].file != first[0].file  # each build a file of its own
    assert bodyfiles.BodyFolder.for_build(Path("site/.newsbite-cache/bodies")).path.is_absolute()


def test_a_damaged_or_missing_body_reads_as_missing_and_never_as_other_bytes(tmp_path: Path) -> None:
    folder = bodyfiles.BodyFolder.for_build(tmp_path / "bodies")
    good, bad = bodyfiles.append_bodies(folder, [b"kept", b"flipped"])
    data = bytearray(Path(bad.file).read_bytes())
    data[bad.offset] ^= 0xFF
    Path(bad.file).write_bytes(bytes(data))
    gone = BodyLocation(str(tmp_path / "bodies" / "gone.lz4"), 0, 1, 0)
    past_the_end = good._replace(offset=100)
    assert bodyfiles.intact([good, bad, gone, past_the_end]) == {good}
    with pytest.raises(OSError, match="damaged"):
        bodyfiles.read_body(bad)


def test_saving_removes_the_body_files_no_record_refers_to(tmp_path: Path) -> None:
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, None)
    (old,) = bodyfiles.append_bodies(store.bodies, [b"old"])
    store.put("content/a.md", cache.SourceRecord("d1", "k", None, (), cache.BodyRecord("b", (), old, "", "h")))
    store.save()
    again = sourcestore.SourceStore(paths, None)
    assert again.get("content/a.md") is not None and again.get("content/a.md").body.location == old  # type: ignore[union-attr]
    (new,) = bodyfiles.append_bodies(again.bodies, [b"new"])
    later = bodyfiles.BodyFolder.for_build(paths.cache_dir / "bodies")  # another process, after this one read the cache
    (theirs,) = bodyfiles.append_bodies(later, [b"theirs"])
    record = again.get("content/a.md")
    assert record is not None
    again.put("content/a.md", record._replace(body=record.body._replace(location=new)))  # type: ignore[union-attr]
    again.save()
    assert not Path(old.file).exists() and Path(new.file).exists() and Path(theirs.file).exists()


def test_a_body_whose_file_is_damaged_is_dropped_from_the_cache(tmp_path: Path) -> None:
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, None)
    (location,) = bodyfiles.append_bodies(store.bodies, [b"body"])
    store.put("content/a.md", cache.SourceRecord("d1", "k", None, (), cache.BodyRecord("b", (), location, "", "h")))
    store.save()
    Path(location.file).write_bytes(b"")
    record = sourcestore.SourceStore(paths, None).get("content/a.md")
    assert record is not None and record.body is None


def test_a_file_stamped_whole_is_trusted_unread_and_one_changed_since_is_read(tmp_path: Path) -> None:
    folder = bodyfiles.BodyFolder.for_build(tmp_path / "bodies")
    first, second = bodyfiles.append_bodies(folder, [b"first", b"second"])
    whole: dict[str, bodyfiles.FileStamp] = {}
    assert bodyfiles.intact([first, second], whole) == {first, second}
    stamp = whole[first.file]  # read once, found whole, stamped
    # Garbled in place: a new modification time, so it is read again and the damage found.
    data = bytearray(Path(first.file).read_bytes())
    data[second.offset] ^= 0xFF
    Path(first.file).write_bytes(bytes(data))
    assert bodyfiles.intact([first, second], whole) == {first}
    assert first.file not in whole
    # A file whose stamp is as recorded is not read: what it holds is trusted.
    os.utime(first.file, ns=(stamp[1], stamp[1]))
    assert bodyfiles.intact([first, second], {first.file: stamp}) == {first, second}


def test_the_bodies_a_build_wrote_are_trusted_by_the_next_without_reading_them(tmp_path: Path,
                                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, None)
    (location,) = bodyfiles.append_bodies(store.bodies, [b"body"])
    store.put("content/a.md", cache.SourceRecord("d1", "k", None, (), cache.BodyRecord("b", (), location, "", "h")))
    store.save()
    reads: list[int] = []
    real_pread = os.pread
    monkeypatch.setattr(os, "pread", lambda fd, size, offset: reads.append(size) or real_pread(fd, size, offset))
    record = sourcestore.SourceStore(paths, None).get("content/a.md")
    assert record is not None and record.body is not None and record.body.location == location
    assert reads == []
