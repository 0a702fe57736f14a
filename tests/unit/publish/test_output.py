from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from generator.build import cache
from generator.content import files
from generator.diagnostics import BuildError, UsageError
from generator.publish import output


def tree(root: Path) -> dict[str, bytes]:
    """Return every file below ``root`` with its bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_files(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")


def test_scan_site_sorts_and_skips_hidden_and_editor_files(tmp_path: Path) -> None:
    make_files(tmp_path, {
        "site.yaml": "title: T\n",
        "content/b.md": "b", "content/a/a.md": "a", "content/a/pic.jpg": "jpg", "content/x.markdown": "x",
        "content/.hidden.md": "h", "content/.git/config": "g", "content/a.md~": "~", "content/.a.md.swp": "s",
        "content/#a.md#": "#", "layouts/static/css/site.css": "css",
    })
    sources = files.scan_site(tmp_path, [tmp_path / "layouts" / "static"])
    assert sources.config_text == "title: T\n"
    assert [p for p, _ in sources.markdown] == ["content/a/a.md", "content/b.md", "content/x.markdown"]
    assert sources.assets == ("content/a/pic.jpg",)
    assert [rel for rel, _ in sources.static] == ["css/site.css"]


def test_scan_site_later_static_folders_win(tmp_path: Path) -> None:
    make_files(tmp_path, {"low/css/a.css": "low", "low/only.txt": "x", "high/css/a.css": "high"})
    sources = files.scan_site(tmp_path, [tmp_path / "low", tmp_path / "high"])
    assert dict(sources.static) == {"css/a.css": tmp_path / "high/css/a.css", "only.txt": tmp_path / "low/only.txt"}


def test_scan_site_reports_invalid_utf8_with_its_line(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/bad.md").write_bytes(b"---\ntitle: ok\n\xff\xfe\n")
    sources = files.scan_site(tmp_path, [])
    assert [str(p) for p in sources.problems] == ["content/bad.md:3: file is not valid UTF-8 text"]


def test_scan_site_normalises_crlf(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content/a.md").write_bytes(b"---\r\ntitle: T\r\n---\r\nBody\r\n")
    assert files.scan_site(tmp_path, []).markdown == (("content/a.md", "---\ntitle: T\n---\nBody\n"),)


@pytest.mark.parametrize(
    ("out", "prepare", "message"),
    [
        (".", None, "it holds the site itself"),
        ("..", None, "it holds the site itself"),
        ("content/out", None, "inside the site's content/ folder"),
        ("layouts/out", None, "inside the site's layouts/ folder"),
        ("../other", {"../other/content/a.md": "x"}, "it holds content"),
        ("../other", {"../other/layouts/base.html": "x"}, "it holds layouts"),
        ("../other", {"../other/notes.txt": "mine"}, "is not empty and was not made by newsbite"),
        ("../file", {"../file": "a file"}, "it is a file"),
    ],
)
def test_check_output_dir_refuses_dangerous_folders(tmp_path: Path, out: str, prepare: dict[str, str] | None, message: str) -> None:
    site = tmp_path / "site"
    make_files(site, {"site.yaml": "title: T\n", "content/a.md": "x", "layouts/x.html": "x"})
    if prepare:
        make_files(site, prepare)
    with pytest.raises(UsageError, match=message):
        output.check_output_dir(site, site / out, force=False)


def test_check_output_dir_force_allows_only_a_foreign_folder(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_files(site, {"site.yaml": "title: T\n"})
    make_files(tmp_path, {"foreign/notes.txt": "mine", "sources/content/a.md": "x"})
    output.check_output_dir(site, tmp_path / "foreign", force=True)
    with pytest.raises(UsageError):
        output.check_output_dir(site, tmp_path / "sources", force=True)
    with pytest.raises(UsageError):
        output.check_output_dir(site, site, force=True)


def test_check_output_dir_accepts_new_empty_and_own_folders(tmp_path: Path) -> None:
    site = tmp_path / "site"
    make_files(site, {"site.yaml": "title: T\n"})
    (tmp_path / "empty").mkdir()
    make_files(tmp_path, {f"own/{output.MANIFEST}": "[]", "own/index.html": "x"})
    for out in (site / "public", tmp_path / "empty", tmp_path / "own", tmp_path / "not" / "yet"):
        output.check_output_dir(site, out, force=False)


def publish(out: Path, files: dict[str, bytes], copies: dict[str, Path]) -> output.CommitReport:
    """Stage ``files``, then publish them with ``copies``, as a build does."""
    stage = output.open_staging(out)
    for rel, data in files.items():
        output.stage_bytes(stage, rel, data)
    return output.commit_staged(out, files, copies, set(files) | set(copies))


def test_publishing_writes_prunes_its_own_files_and_keeps_others(tmp_path: Path) -> None:
    out = tmp_path / "out"
    src = tmp_path / "pic.jpg"
    src.write_bytes(b"\x89PNG\x00binary")
    report = publish(out, {"index.html": b"home", "2022/01/a/index.html": b"a"}, {"2022/pic.jpg": src})
    assert sorted(report.written) == ["2022/01/a/index.html", "2022/pic.jpg", "index.html"]
    assert (out / "2022/pic.jpg").read_bytes() == src.read_bytes()
    make_files(out, {".git/HEAD": "ref", "CNAME": "news.example", "_redirects": "/a /b"})

    report = publish(out, {"index.html": b"home"}, {})
    assert report.removed == ["2022/01/a/index.html", "2022/pic.jpg"]
    assert not (out / "2022").exists()  # emptied folders go too
    assert tree(out) == {
        ".git/HEAD": b"ref", "CNAME": b"news.example", "_redirects": b"/a /b",
        "index.html": b"home", output.MANIFEST: (out / output.MANIFEST).read_bytes(),
    }
    assert json.loads((out / output.MANIFEST).read_text()) == ["index.html"]


def test_publishing_leaves_no_temporary_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / ".newsbite-tmp-99-index.html").write_text("half")  # left by a killed build
    (out / output.STAGING).mkdir()
    (out / output.STAGING / "stale.html").write_text("from a killed build")
    publish(out, {"index.html": b"x", "a/b.html": b"y"}, {})
    assert sorted(tree(out)) == [output.MANIFEST, "a/b.html", "index.html"]


@pytest.mark.parametrize("rel", ["../escape.html", "a/../../escape.html", "/etc/escape.html"])
def test_publishing_refuses_paths_outside_the_output(tmp_path: Path, rel: str) -> None:
    out = tmp_path / "out"
    with pytest.raises(BuildError, match="outside the output folder"):
        publish(out, {rel: b"x"}, {})
    assert not (tmp_path / "escape.html").exists()


def test_publishing_does_not_write_through_a_symlink_out_of_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    outside = tmp_path / "outside"
    outside.mkdir()
    out.mkdir()
    (out / "topics").symlink_to(outside, target_is_directory=True)
    with pytest.raises(BuildError):
        publish(out, {"topics/index.html": b"x"}, {})
    assert list(outside.iterdir()) == []


def test_a_tampered_manifest_cannot_delete_outside_the_output(tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    make_files(out, {output.MANIFEST: json.dumps(["../victim.txt", "a/../../victim.txt"])})
    publish(out, {"index.html": b"x"}, {})  # the entries are not the build's to remove: left alone
    assert victim.read_text() == "keep" and (out / "index.html").read_bytes() == b"x"


def test_a_pruned_file_that_is_a_link_out_goes_itself_and_its_target_stays(tmp_path: Path) -> None:
    out = tmp_path / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep")
    publish(out, {"old/index.html": b"old", "index.html": b"x"}, {})
    (out / "old" / "index.html").unlink()
    (out / "old" / "index.html").symlink_to(victim)
    publish(out, {"index.html": b"y"}, {})
    assert victim.read_text() == "keep" and not (out / "old").exists()


def test_nothing_goes_live_when_a_staged_file_would_land_outside(tmp_path: Path) -> None:
    out = tmp_path / "out"
    publish(out, {"index.html": b"first", "2022/a/index.html": b"a"}, {})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    shutil.rmtree(out / "2022")
    (out / "2022").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(BuildError) as caught:
        publish(out, {"index.html": b"second", "2022/a/index.html": b"a2"}, {})
    assert (out / "index.html").read_bytes() == b"first"  # checked before anything moved
    assert list(elsewhere.iterdir()) == []
    assert caught.value.diagnostics[0].path == (out.resolve() / "2022").as_posix()


def test_write_new_file_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "content/2022/a.md"
    files.write_new_file(path, "first")
    with pytest.raises(FileExistsError):
        files.write_new_file(path, "second")
    assert path.read_text() == "first"


def test_scan_without_hashing_leaves_markdown_unread(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text("---\ntitle: T\n---\nBody\n")
    unread = files.scan_site(tmp_path, [], read_markdown=False, hash_markdown=False)
    read = files.scan_site(tmp_path, [], read_markdown=False)
    assert unread.markdown_digests == (("content/a.md", ""),)
    assert read.markdown_digests[0][1] != ""
    assert unread.markdown_signatures == (("content/a.md", files.UNREAD),)  # not even looked at
    # Its reader takes the signature the scan would have recorded.
    text, signature, problems = files.read_markdown_signed(tmp_path, "content/a.md")
    assert (text, problems) == ("---\ntitle: T\n---\nBody\n", [])
    assert signature == read.markdown_signatures[0][1]


def test_a_known_file_is_still_looked_at_without_hashing(tmp_path: Path) -> None:
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "a.md").write_text("one")
    (tmp_path / "content" / "b.md").write_text("two")
    known = dict(files.scan_site(tmp_path, [], read_markdown=False).markdown_signatures)
    del known["content/b.md"]
    scan = files.scan_site(tmp_path, [], read_markdown=False, known=known, hash_markdown=False)
    signatures = dict(scan.markdown_signatures)
    assert signatures["content/b.md"] == files.UNREAD
    assert signatures["content/a.md"][:4] == known["content/a.md"][:4]


def test_reading_a_missing_file_signed_is_a_problem(tmp_path: Path) -> None:
    text, signature, problems = files.read_markdown_signed(tmp_path, "content/gone.md")
    assert (text, signature) == (None, files.UNREAD) and "cannot read the file" in str(problems[0])


def test_a_serve_folder_is_gone_at_once_and_its_files_removed_apart(tmp_path: Path, monkeypatch) -> None:
    import tempfile
    import time

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    folder = output.make_serve_dir()
    for n in range(200):
        (folder / f"{n}").mkdir()
        (folder / f"{n}" / "index.html").write_text("x", encoding="utf-8")
    output.remove_serve_dir(folder)
    assert not folder.exists()  # renamed away before the call returns: the server stops at once
    for _ in range(200):  # the helper process removes the files; bounded wait, not a timing claim
        if not any(tmp_path.iterdir()):
            break
        time.sleep(0.05)
    assert list(tmp_path.iterdir()) == []


def test_only_serve_folders_are_removed(tmp_path: Path) -> None:
    other = tmp_path / "public"
    other.mkdir()
    output.remove_serve_dir(other)
    assert other.is_dir()


def test_an_output_file_is_read_from_staging_first_then_from_the_output(tmp_path: Path) -> None:
    big = bytes(range(256)) * 5000  # more than one read's worth on some systems
    make_files(tmp_path, {"a/index.html": "published", "b/index.html": "published b"})
    (tmp_path / output.STAGING / "a").mkdir(parents=True)
    (tmp_path / output.STAGING / "a" / "index.html").write_bytes(big)
    assert output.read_output_file(tmp_path, "a/index.html") == big
    assert output.read_output_file(tmp_path, "b/index.html") == b"published b"
    with pytest.raises(FileNotFoundError):
        output.read_output_file(tmp_path, "c/index.html")


def test_a_cache_file_pickled_as_it_is_written_is_the_packed_payload(tmp_path: Path) -> None:
    payload = {"state": list(range(1000))}
    output.write_cache_file_from(tmp_path / "x" / "record.pickle", lambda handle: cache.pack_into(handle, payload))
    data = (tmp_path / "x" / "record.pickle").read_bytes()
    assert data == cache.pack(payload)
    assert cache.unpack(data) == payload
