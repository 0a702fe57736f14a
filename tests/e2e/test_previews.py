"""Previews are safe: under --drafts / --future a draft or scheduled page is labelled and noindex,
and never enters a sitemap or feed (SPEC section 13)."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser

from tests.e2e.helpers import build, front, page

FUTURE = (dt.date.today() + dt.timedelta(days=400)).isoformat()
SITE = {
    "content/live.md": front({"date": "2022-01-09", "title": "Live story", "topics": ["Grain"]}),
    "content/draft.md": front({"date": "2022-01-10", "title": "Draft story", "topics": ["Grain"], "draft": True}),
    "content/later.md": front({"date": FUTURE, "title": "Later story", "topics": ["Grain"]}),
}
LATER = f"/{FUTURE[:4]}/{FUTURE[5:7]}/later/"


def _robots(doc) -> list[str]:
    return [m.get("content") for m in doc.find_all("meta", name="robots")]


def _label(doc) -> str | None:
    for el in doc.find_all("p"):
        if "preview-label" in (el.get("class") or "").split():
            return el.text
    return None


def _sitemap_locs(out: Path, name: str) -> list[str]:
    return [loc.text or "" for loc in ET.parse(out / name).iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_drafts_and_scheduled_pages_are_labelled_and_noindex(make_site) -> None:
    site = make_site(SITE)
    assert build(site, "--drafts", "--future") == 0
    out = site / "public"
    draft, later, live = page(out, "/2022/01/draft/"), page(out, LATER), page(out, "/2022/01/live/")
    assert _label(draft) == "Draft" and _robots(draft) == ["noindex"]
    assert _label(later) == "Scheduled" and _robots(later) == ["noindex"]
    assert _label(live) is None and _robots(live) == []
    labels = [el.text for el in page(out, "/").find_all("p") if "preview-label" in (el.get("class") or "")]
    assert sorted(labels) == ["Draft", "Scheduled"]  # the home page's cards say so too


def test_previews_never_enter_sitemaps_or_feeds(make_site) -> None:
    site = make_site(SITE)
    assert build(site, "--drafts", "--future") == 0
    out = site / "public"
    urls = " ".join(_sitemap_locs(out, "sitemap.xml") + _sitemap_locs(out, "news-sitemap.xml"))
    assert "/2022/01/live/" in urls
    assert "draft" not in urls and "later" not in urls
    for feed in ("feed.xml", "rss.xml", "topics/grain/feed.xml", "topics/grain/rss.xml"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert [e.title for e in parsed.entries] == ["Live story"], feed


def test_without_the_options_nothing_is_labelled(make_site) -> None:
    site = make_site(SITE)
    assert build(site) == 0
    out = site / "public"
    assert not (out / "2022" / "01" / "draft").exists()
    assert all("preview-label" not in p.read_text(encoding="utf-8") for p in out.rglob("*.html"))


def test_a_scheduled_article_that_is_due_loses_its_label(make_site) -> None:
    site = make_site(SITE)
    assert build(site, "--future") == 0
    assert _label(page(site / "public", LATER)) == "Scheduled"
    (site / "content" / "later.md").write_text(front({"date": "2022-01-11", "title": "Later story"}),
                                               encoding="utf-8")
    assert build(site, "--future") == 0
    now_live = page(site / "public", "/2022/01/later/")
    assert _label(now_live) is None and _robots(now_live) == []
