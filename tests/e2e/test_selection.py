"""Drafts and future-dated articles: left out unless asked for, and named in the build summary."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.e2e.helpers import build, front, output_file

FILES = {
    "content/now.md": front({"date": "2022-01-09", "title": "Published"}),
    "content/draft.md": front({"date": "2022-01-08", "title": "Draft", "draft": True}),
    "content/later.md": front({"date": "2999-01-01T09:00:00+00:00", "title": "Later"}),
}


@pytest.mark.parametrize(
    ("flags", "present", "held"),
    [
        ((), {"now"}, {"content/draft.md": "draft", "content/later.md": "future"}),
        (("--drafts",), {"now", "draft"}, {"content/later.md": "future"}),
        (("--future",), {"now", "later"}, {"content/draft.md": "draft"}),
        (("--drafts", "--future"), {"now", "draft", "later"}, {}),
    ],
)
def test_drafts_and_future_flags(make_site, capsys, flags: tuple[str, ...], present: set[str], held: dict[str, str]) -> None:
    site = make_site(FILES)
    assert build(site, *flags) == 0
    out = site / "public"
    urls = {"now": "/2022/01/now/", "draft": "/2022/01/draft/", "later": "/2999/01/later/"}
    assert {name for name, url in urls.items() if output_file(out, url).exists()} == present
    home = output_file(out, "/").read_text(encoding="utf-8")
    for name, url in urls.items():
        assert (url in home) is (name in present)
    printed = capsys.readouterr()
    summary = printed.out + printed.err
    for path, reason in held.items():
        lines = [line for line in summary.splitlines() if path in line]
        assert lines, f"{path} is not named in the summary:\n{summary}"
        assert reason in lines[0]
    for path in {"content/draft.md", "content/later.md"} - set(held):
        assert path not in summary


def test_a_held_back_article_leaves_no_topic_behind(make_site) -> None:
    site = make_site({"content/d.md": front({"date": "2022-01-08", "title": "D", "draft": True, "topics": ["Secret"]})})
    assert build(site) == 0
    assert not (site / "public" / "topics" / "secret").exists()
    assert "Secret" not in output_file(site / "public", "/topics/").read_text(encoding="utf-8")


# Kiritimati is UTC+14: its clock is half a day ahead of a build machine running in UTC, so
# comparing in the wrong timezone would publish or hold back the wrong stories.
ZONE = "Pacific/Kiritimati"


def test_future_is_compared_in_the_site_timezone(make_site, capsys) -> None:
    now = dt.datetime.now(ZoneInfo(ZONE)).replace(tzinfo=None, microsecond=0)
    ahead = now + dt.timedelta(hours=3)
    behind = now - dt.timedelta(hours=3)
    site = make_site({
        "content/ahead.md": front({"date": ahead.isoformat(sep=" "), "title": "Ahead"}),
        "content/behind.md": front({"date": behind.isoformat(sep=" "), "title": "Behind"}),
        "content/today.md": front({"date": now.date().isoformat(), "title": "Today"}),
    }, f"title: T\ntimezone: {ZONE}\n")
    assert build(site) == 0
    out = site / "public"
    built = {p.parent.name for p in out.rglob("index.html") if p.parent.name in ("ahead", "behind", "today")}
    assert built == {"behind", "today"}
    summary = capsys.readouterr().out
    assert "content/ahead.md" in summary and "content/behind.md" not in summary
    assert build(site, "--future") == 0
    assert any(p.parent.name == "ahead" for p in out.rglob("index.html"))
