"""`newsbite new`: a ready-to-edit article in content/<year>/, never overwriting one."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

from tests.conftest import run_cli
from tests.e2e.helpers import build, page


def test_new_writes_front_matter_with_an_aware_date_and_a_topics_list(make_site, capsys) -> None:
    site = make_site({}, "title: T\ntimezone: Asia/Kolkata\n")
    before = dt.datetime.now(ZoneInfo("Asia/Kolkata"))
    assert run_cli("new", "Erdoğan visits Côte d'Ivoire: \"talks\" go on", "--topics", "Recep Tayyip Erdoğan,  Côte d'Ivoire ,", "--site", str(site)) == 0
    files = list((site / "content").rglob("*.md"))
    assert [f.relative_to(site).as_posix() for f in files] == [f"content/{before.year}/erdogan-visits-cote-divoire-talks-go-on.md"]
    assert str(files[0]) in capsys.readouterr().out
    text = files[0].read_text(encoding="utf-8")
    date_line = next(line for line in text.splitlines() if line.startswith("date:"))
    written = dt.datetime.fromisoformat(date_line.split(":", 1)[1].strip())
    assert written.utcoffset() == dt.timedelta(hours=5, minutes=30)  # ISO 8601 with the site's offset
    assert abs((written - before).total_seconds()) < 3600
    data = yaml.safe_load(text.split("---\n")[1])
    assert data["title"] == "Erdoğan visits Côte d'Ivoire: \"talks\" go on"
    assert data["topics"] == ["Recep Tayyip Erdoğan", "Côte d'Ivoire"]
    assert isinstance(data["date"], dt.datetime)


def test_new_article_builds(make_site) -> None:
    site = make_site({})
    assert run_cli("new", "Fresh story", "--topics", "A", "--site", str(site)) == 0
    assert build(site, "--drafts") == 0
    (path,) = [p for p in (site / "public").rglob("index.html") if p.parent.name == "fresh-story"]
    assert [h.text for h in page(site / "public", "/" + path.relative_to(site / "public").parent.as_posix() + "/").find_all("h1")] == ["Fresh story"]


def test_new_refuses_to_overwrite(make_site, capsys) -> None:
    site = make_site({})
    assert run_cli("new", "Same headline", "--site", str(site)) == 0
    (path,) = list((site / "content").rglob("*.md"))
    path.write_text("my edits", encoding="utf-8")
    status = run_cli("new", "Same headline", "--site", str(site))
    assert status != 0
    assert path.read_text(encoding="utf-8") == "my edits"
    assert "already exists" in capsys.readouterr().err


def test_new_without_letters_is_refused(make_site) -> None:
    site = make_site({})
    assert run_cli("new", "?!", "--site", str(site)) == 2
    assert not (site / "content").exists() or list((site / "content").rglob("*.md")) == []


def test_new_defaults_to_the_working_directory(make_site, monkeypatch) -> None:
    site = make_site({})
    monkeypatch.chdir(site)
    assert run_cli("new", "Here") == 0
    assert len(list(Path(site / "content").rglob("here.md"))) == 1


def test_new_refuses_a_missing_site_folder(tmp_path: Path) -> None:
    assert run_cli("new", "Headline", "--site", str(tmp_path / "typo")) == 2
    assert not (tmp_path / "typo").exists()
