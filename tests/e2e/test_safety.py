"""SPEC section 7 from the command line: refused output folders, pruning, containment."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from tests.e2e.helpers import build, front, snapshot

ARTICLES = {
    "content/a.md": front({"date": "2022-01-09", "title": "A", "topics": ["Russia"]}),
    "content/b.md": front({"date": "2022-01-10", "title": "B", "topics": ["Kazakhstan"], "aliases": ["/old/b/"]}),
    "content/b.jpg": b"jpeg",
}


def test_build_writes_nowhere_but_its_output(make_site, tmp_path: Path, monkeypatch) -> None:
    site = make_site(ARTICLES)
    cwd, temp = tmp_path / "cwd", tmp_path / "temp"
    cwd.mkdir()
    temp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(tempfile, "tempdir", str(temp))  # any temp folder would land here
    monkeypatch.setenv("TMPDIR", str(temp))
    out = tmp_path / "out"
    before = snapshot(tmp_path)
    assert build(site, "--output", str(out)) == 0
    after = snapshot(tmp_path, skip=(out,))
    assert after == before
    assert list(temp.iterdir()) == [] and list(cwd.iterdir()) == []


def test_default_output_is_public_in_the_site_folder(make_site, tmp_path: Path, monkeypatch) -> None:
    site = make_site(ARTICLES)
    monkeypatch.chdir(tmp_path)
    assert build(site) == 0
    assert (site / "public" / "index.html").is_file()
    assert not (tmp_path / "public").exists()


@pytest.mark.parametrize("where", ["site", "parent", "other-site", "foreign", "content-inside", "a-file"])
def test_dangerous_output_is_refused_and_nothing_deleted(make_site, tmp_path: Path, capsys, where: str) -> None:
    site = make_site(ARTICLES)
    other = tmp_path / "other"
    (other / "content").mkdir(parents=True)
    (other / "content" / "x.md").write_text("mine")
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "photo.jpg").write_bytes(b"holiday")
    (tmp_path / "notes.txt").write_text("a file")
    target = {
        "site": site, "parent": tmp_path, "other-site": other, "foreign": foreign,
        "content-inside": site / "content" / "out", "a-file": tmp_path / "notes.txt",
    }[where]
    before = snapshot(tmp_path)
    assert build(site, "--output", str(target)) == 2  # command-line misuse, not a content error
    assert "refusing" in capsys.readouterr().err
    assert snapshot(tmp_path) == before


def test_force_allows_a_foreign_folder_and_keeps_its_files(make_site, tmp_path: Path) -> None:
    site = make_site(ARTICLES)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "photo.jpg").write_bytes(b"holiday")
    assert build(site, "--output", str(foreign), "--force") == 0
    assert (foreign / "index.html").is_file() and (foreign / "photo.jpg").read_bytes() == b"holiday"
    (site / "content" / "a.md").unlink()
    assert build(site, "--output", str(foreign)) == 0  # now it is ours: no --force needed
    assert (foreign / "photo.jpg").read_bytes() == b"holiday"
    assert not (foreign / "2022" / "01" / "a").exists()


def test_force_never_allows_the_site_or_a_sources_folder(make_site, tmp_path: Path) -> None:
    site = make_site(ARTICLES)
    before = snapshot(tmp_path)
    assert build(site, "--output", str(site), "--force") == 2
    assert build(site, "--output", str(site / "layouts"), "--force") == 2
    assert snapshot(tmp_path) == before


def test_deleted_and_renamed_pages_go_while_foreign_files_stay(make_site, capsys) -> None:
    site = make_site(ARTICLES)
    out = site / "public"
    assert build(site) == 0
    assert (out / "2022/01/a/index.html").is_file() and (out / "topics/russia/index.html").is_file()
    (out / ".git").mkdir()
    (out / ".git" / "HEAD").write_text("ref: refs/heads/gh-pages\n")
    (out / "CNAME").write_text("news.example\n")
    (out / "_redirects").write_text("/x /y 301\n")
    (out / "2022" / "01" / "a" / "notes.txt").write_text("someone's note")

    (site / "content" / "a.md").unlink()
    (site / "content" / "b.md").write_text(front({"date": "2022-01-10", "title": "B", "slug": "b-renamed"}))
    (site / "content" / "b.jpg").unlink()
    capsys.readouterr()
    assert build(site) == 0
    assert "removed" in capsys.readouterr().out

    assert not (out / "2022/01/a/index.html").exists()
    assert not (out / "2022/01/b/index.html").exists() and (out / "2022/01/b-renamed/index.html").is_file()
    assert not (out / "topics/russia").exists() and not (out / "old/b").exists() and not (out / "b.jpg").exists()
    assert (out / ".git/HEAD").read_text() == "ref: refs/heads/gh-pages\n"
    assert (out / "CNAME").read_text() == "news.example\n"
    assert (out / "_redirects").read_text() == "/x /y 301\n"
    assert (out / "2022/01/a/notes.txt").read_text() == "someone's note"  # its folder stays for it


def test_aliases_become_redirect_pages_inside_the_output(make_site, tmp_path: Path) -> None:
    site = make_site(ARTICLES)
    assert build(site) == 0
    redirect = (site / "public" / "old" / "b" / "index.html").read_text()
    assert "/2022/01/b/" in redirect


def test_front_matter_cannot_place_files_outside_the_output(make_site, tmp_path: Path) -> None:
    # Every route out: slug, alias, topic name, image path. Each is refused or kept inside.
    attempts = {
        "content/slug.md": front({"date": "2022-01-09", "title": "S", "slug": "../../../escape-slug"}),
        "content/alias.md": front({"date": "2022-01-09", "title": "A", "aliases": ["/../../escape-alias/"]}),
        # A picture that is not in the site is a missing picture (SPEC section 9): an error too.
        "content/image.md": front({"date": "2022-01-09", "title": "I", "image": "../../../etc/passwd"}),
    }
    site = make_site(attempts)
    before = snapshot(tmp_path)
    assert build(site) == 1
    assert snapshot(tmp_path) == before

    harmless = {
        "content/topic.md": front({"date": "2022-01-09", "title": "T", "topics": ["../../escape-topic"]}),
    }
    site2 = make_site(harmless, name="site2")
    outside = snapshot(tmp_path, skip=(site2 / "public",))
    assert build(site2) == 0
    assert snapshot(tmp_path, skip=(site2 / "public",)) == outside
    assert (site2 / "public" / "topics" / "escape-topic" / "index.html").is_file()
    assert not any("passwd" in p.name for p in (site2 / "public").rglob("*"))


def test_permalink_patterns_cannot_escape(make_site, tmp_path: Path) -> None:
    site = make_site(ARTICLES, "title: T\npermalinks:\n  article: /../../{slug}/\n")
    before = snapshot(tmp_path)
    assert build(site) == 1
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("moves", [0, 3, 12, 30])
def test_a_build_interrupted_mid_write_leaves_whole_files(make_site, tmp_path: Path, monkeypatch, moves: int) -> None:
    """Stop a build after a few files are swapped in: each file is wholly old or wholly new."""
    import os

    old_files = {f"content/a{i}.md": front({"date": f"2022-01-0{i}", "title": f"Old {i}", "topics": ["T"]}, "old\n")
                 for i in range(1, 8)}
    new_files = {f"content/a{i}.md": front({"date": f"2022-01-0{i}", "title": f"New {i}", "topics": ["T"]}, "new\n" * 50)
                 for i in range(1, 8)}
    reference = make_site(new_files, name="reference")
    assert build(reference, "--output", str(tmp_path / "reference-out")) == 0
    new_bytes = snapshot(tmp_path / "reference-out")

    site = make_site(old_files)
    out = site / "public"
    assert build(site) == 0
    old_bytes = snapshot(out)
    for rel, text in new_files.items():
        (site / rel).write_text(text, encoding="utf-8")

    calls = {"n": 0}
    real_replace, real_rename = os.replace, os.rename

    def interrupting(real):
        def move(src, dst, *args, **kwargs):
            calls["n"] += 1
            if calls["n"] > moves:
                raise KeyboardInterrupt  # the build is killed here
            return real(src, dst, *args, **kwargs)
        return move

    monkeypatch.setattr(os, "replace", interrupting(real_replace))
    monkeypatch.setattr(os, "rename", interrupting(real_rename))
    assert build(site) != 0
    monkeypatch.undo()

    for rel, data in snapshot(out).items():
        if data is None or rel.endswith(".json") or ".newsbite" in rel:
            continue
        assert data in (old_bytes.get(rel), new_bytes.get(rel)), f"{rel} is neither the old nor the new file"
    # The next build completes the job: the same bytes as a clean build, no leftovers.
    assert build(site) == 0
    finished = {k: v for k, v in snapshot(out).items() if ".newsbite" not in k}
    assert finished == {k: v for k, v in new_bytes.items() if ".newsbite" not in k}


@pytest.mark.parametrize("link, target", [
    ("content/x.txt", "/etc/hostname"),
    ("layouts/static/passwd.txt", "/etc/passwd"),
    ("content/2022/outside.md", "OUTSIDE"),
])
def test_a_symlink_leading_out_of_the_site_is_an_error_naming_the_link(
        make_site, tmp_path: Path, capsys, link: str, target: str) -> None:
    site = make_site(ARTICLES)
    out = tmp_path / "out"
    assert build(site, "--output", str(out)) == 0
    published = snapshot(out)
    outside = tmp_path / "outside.md"
    outside.write_text(front({"date": "2022-01-11", "title": "Outside"}), encoding="utf-8")
    (site / link).parent.mkdir(parents=True, exist_ok=True)
    (site / link).symlink_to(outside if target == "OUTSIDE" else Path(target))
    capsys.readouterr()
    assert build(site, "--output", str(out)) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"{link}:1: symbolic link to ") and "outside the site folder" in err
    assert snapshot(out) == published  # nothing of it, nor anything else, was published


def test_a_symlink_within_the_site_is_followed_and_a_broken_or_looping_one_named(
        make_site, tmp_path: Path, capsys) -> None:
    site = make_site(ARTICLES)
    (site / "content" / "2022").mkdir()
    (site / "content" / "2022" / "c.md").symlink_to(site / "content" / "a.md")
    (site / "content" / "map.jpg").symlink_to("b.jpg")
    (site / "content" / "linked").symlink_to(tmp_path, target_is_directory=True)  # folders: never followed
    out = tmp_path / "out"
    assert build(site, "--output", str(out)) == 0
    assert (out / "map.jpg").read_bytes() == b"jpeg"
    assert not (out / "linked").exists()
    (site / "content" / "loop1.txt").symlink_to("loop2.txt")
    (site / "content" / "loop2.txt").symlink_to("loop1.txt")
    (site / "content" / "gone.md").symlink_to("nowhere.md")
    capsys.readouterr()
    assert build(site, "--output", str(out)) == 1
    lines = capsys.readouterr().err.splitlines()
    assert [line.split(": ")[0] for line in lines[:3]] == ["content/gone.md:1", "content/loop1.txt:1",
                                                          "content/loop2.txt:1"]
    assert all("broken symbolic link" in line for line in lines[:3])


def test_old_mac_line_ends_are_read_and_a_hidden_article_is_named(make_site, tmp_path: Path, capsys) -> None:
    site = make_site(ARTICLES)
    (site / "content" / "mac.md").write_bytes(b"---\rtitle: Mac\rdate: 2022-01-11\r---\rWritten on a Mac.\r")
    out = tmp_path / "out"
    assert build(site, "--output", str(out)) == 0
    assert "Written on a Mac." in (out / "2022" / "01" / "mac" / "index.html").read_text()
    (site / "content" / "...md").write_text(front({"date": "2022-01-12", "title": "Dots"}), encoding="utf-8")
    capsys.readouterr()
    assert build(site, "--output", str(out)) == 0  # a build that finds nothing else changed says it too
    assert "content/...md:1: warning: not built: a name starting with '.' is hidden" in capsys.readouterr().err


@pytest.mark.parametrize("alias", ["/%2e%2e/%2e%2e/evil/", "/a/%2E%2E/b/", "/%2f%2fevil.example/", "/a%5cb/"])
def test_an_alias_that_decodes_to_an_escape_is_refused(make_site, tmp_path: Path, capsys, alias: str) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "aliases": [alias]})})
    assert build(site, "--output", str(tmp_path / "out")) == 1
    assert "content/a.md:4: each alias must be a site path" in capsys.readouterr().err


def _children(pid: int) -> set[int]:
    """Return the processes whose parent is ``pid`` (Linux /proc)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid:
                found.add(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")
def test_no_worker_outlives_a_killed_build(tmp_path: Path) -> None:
    import signal
    import subprocess
    import sys
    import time

    site = tmp_path / "site"
    (site / "content").mkdir(parents=True)
    (site / "layouts").mkdir()
    (site / "site.yaml").write_text("title: Many\n")
    # A slow article template keeps each render worker busy for seconds with its share of pages:
    # a worker that only ended when it next asked for work would outlive the build by that long.
    (site / "layouts" / "article.html").write_text("{% for n in range(30000000) %}{% endfor %}{{ article.title }}\n")
    for n in range(300):  # enough pages to be rendered over workers (build/pages.py: _PAGES_APART)
        (site / "content" / f"a{n}.md").write_text(f"---\ntitle: Article {n}\ndate: 2022-01-{n % 28 + 1:02d}\n---\nBody.\n")
    build = subprocess.Popen([sys.executable, "-m", "generator", "build", "--site", str(site), "--output",
                              str(tmp_path / "out"), "--no-search", "--jobs", "2"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _children(build.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(1.0)  # past the parsing, into the pages
        workers = _children(build.pid)
        assert workers and build.poll() is None, "the build ran no workers to kill"
        build.send_signal(signal.SIGKILL)
        build.wait()
        time.sleep(0.3)  # well within the second allowed; a busy worker's page takes longer than this
        assert [pid for pid in workers if _alive(pid)] == [], "workers outlived the killed build"
    finally:
        if build.poll() is None:
            build.kill()
