"""A new site's files (``newsbite init``)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.content.articles import parse_article
from generator.content.config import load_config
from generator.content.starter import is_site, local_timezone, site_title, starter_files

NOW = dt.datetime(2022, 1, 9, 18, 30, tzinfo=ZoneInfo("Australia/Sydney"))


@pytest.mark.parametrize(("name", "title"), [("news", "News"), ("evening-news", "Evening News"),
                                             ("la_gazette", "La Gazette"), ("---", "NewsBite")])
def test_the_title_comes_from_the_folder_name(tmp_path: Path, name: str, title: str) -> None:
    assert site_title(tmp_path / name) == title


def test_the_starter_files_are_a_valid_site_without_warnings(tmp_path: Path) -> None:
    files = starter_files(tmp_path / "news", NOW)
    assert sorted(files) == [".gitignore", "content/2022/welcome-to-your-briefings.md", "site.yaml"]
    config, warnings = load_config(files["site.yaml"], "site.yaml")
    assert warnings == [] and config.title == "News" and config.timezone == "Australia/Sydney"
    article, problems = parse_article("content/2022/welcome-to-your-briefings.md",
                                      files["content/2022/welcome-to-your-briefings.md"], config)
    assert problems == [] and article is not None and article.date == NOW and not article.draft


def test_a_title_with_yaml_characters_stays_text(tmp_path: Path) -> None:
    files = starter_files(tmp_path / 'a: "b" # c', NOW)
    assert load_config(files["site.yaml"], "site.yaml")[0].title == 'A: "b" # C'


def test_is_site_needs_site_yaml_or_content(tmp_path: Path) -> None:
    assert not is_site(tmp_path)
    (tmp_path / "content").mkdir()
    assert is_site(tmp_path)


def test_local_timezone_prefers_tz(monkeypatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Paris")
    assert local_timezone() == "Europe/Paris"
    monkeypatch.setenv("TZ", "Not/AZone")
    ZoneInfo(local_timezone())  # falls back to a zone that exists
