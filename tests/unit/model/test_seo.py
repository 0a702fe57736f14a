"""Social and search metadata shaping (generator/seo.py): pure functions, no build."""

from __future__ import annotations

import datetime as dt

import pytest

from generator.content.config import SiteConfig
from generator.model.catalogue import ImageView, TopicLink
from generator.model.plan import PageMeta
from generator.model.seo import (
    absolute,
    news_article,
    og_locale,
    publisher,
    social_tags,
)
from tests.unit.model.test_feeds import entry

CONFIG = SiteConfig(title="Briefings", base_url="https://example.org/news/", language="en-AU")
PAGE = PageMeta("article", "/news/a/", "https://example.org/news/a/", "Title a | Briefings", "Summary a")


@pytest.mark.parametrize("language, locale", [
    ("en-AU", "en_AU"), ("en", "en"), ("pt_br", "pt_BR"), ("zh-Hant-TW", "zh_TW"), ("es-419", "es_419"),
])
def test_open_graph_locale(language: str, locale: str) -> None:
    assert og_locale(language) == locale


@pytest.mark.parametrize("url, expected", [
    ("/news/img/a.jpg", "https://example.org/news/img/a.jpg"),  # site-absolute, already under the subpath
    ("img/logo.png", "https://example.org/news/img/logo.png"),  # relative to the site root
    ("https://cdn.example/a.jpg", "https://cdn.example/a.jpg"),
])
def test_absolute_urls_follow_the_base_path(url: str, expected: str) -> None:
    assert absolute(CONFIG, url) == expected


def test_publisher_logo_defaults_to_the_shipped_file() -> None:
    assert publisher(CONFIG)["logo"] == {"@type": "ImageObject", "url": "https://example.org/news/logo.png"}


def test_cards_follow_the_image() -> None:
    when = dt.datetime(2022, 1, 9, tzinfo=dt.timezone.utc)
    plain = {t.key: t.content for t in social_tags(CONFIG, PAGE, entry("a", when))}
    pictured = entry("a", when, image=ImageView("/news/a.jpg", "Alt", None, None),
                     topics=(TopicLink("X", "/news/topics/x/"), TopicLink("Y", "/news/topics/y/")))
    tags = social_tags(CONFIG, PAGE, pictured)
    found = {t.key: t.content for t in tags}
    assert plain["twitter:card"] == "summary" and "og:image" not in plain
    assert found["twitter:card"] == "summary_large_image"
    assert found["og:image"] == found["twitter:image"] == "https://example.org/news/a.jpg"
    assert [t.content for t in tags if t.key == "article:tag"] == ["X", "Y"]
    assert {t.attribute for t in tags if t.key.startswith(("og:", "article:"))} == {"property"}
    assert {t.attribute for t in tags if t.key.startswith("twitter:")} == {"name"}


def test_a_list_page_is_a_website_with_its_own_title() -> None:
    page = PageMeta("home", "/news/", "https://example.org/news/", "Briefings", "All the news")
    found = {t.key: t.content for t in social_tags(CONFIG, page)}
    assert (found["og:type"], found["og:title"], found["og:url"]) == ("website", "Briefings", "https://example.org/news/")
    assert not any(key.startswith("article:") for key in found)


def test_news_article_without_topics_or_image_leaves_them_out() -> None:
    data = news_article(CONFIG, PAGE, entry("a", dt.datetime(2022, 1, 9, tzinfo=dt.timezone.utc)))
    assert "image" not in data and "keywords" not in data and "articleSection" not in data
    assert data["author"] == {"@type": "Organization", "name": "Briefings", "url": "https://example.org/news/"}
    assert data["dateModified"] == data["datePublished"]
