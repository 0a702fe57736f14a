from __future__ import annotations

import datetime as dt

import pytest
import yaml

from generator.content import articles, weburls
from generator.content.articles import Article, Image, parse_article, scaffold_article
from generator.content.config import SiteConfig
from generator.model.catalogue import iso_date

SYDNEY = SiteConfig(timezone="Australia/Sydney")
PATH = "content/2022/russia-troops.md"


def parse(front: str, body: str = "Body.\n", config: SiteConfig = SYDNEY, path: str = PATH):
    return parse_article(path, f"---\n{front}---\n{body}", config)


def ok(front: str, **kwargs: object) -> Article:
    article, diagnostics = parse(front, **kwargs)  # type: ignore[arg-type]
    assert article is not None, [str(d) for d in diagnostics]
    assert [d for d in diagnostics if d.severity == "error"] == []
    return article


def messages(front: str, **kwargs: object) -> list[str]:
    article, diagnostics = parse(front, **kwargs)  # type: ignore[arg-type]
    return [str(d) for d in diagnostics]


FULL = """\
title: Russia readies scores of transports as troops pour into Kazakhstan
date: 2022-01-09T18:30:00+11:00
updated: 2022-01-10T08:00:00+11:00
standfirst: Moscow says it has prepared more than 75 aircraft.
topics: [Vladimir Putin, Kazakhstan, CSTO]
source: The Wall Street Journal
author: [Jane Doe, John Roe]
original_url: https://example.com/story/123
image:
  src: troops.jpg
  alt: Russian troop trucks leaving a transport aircraft
  caption: Russian troop trucks rumble off transports on Sunday.
  credit: Russian Defence Ministry via AFP
slug: russia-readies-transports
aliases: [/2022/01/old-headline/]
draft: true
mood: grim
"""


def test_every_front_matter_key() -> None:
    article = ok(FULL, body="\nFirst paragraph.\n")
    assert article.path == PATH
    assert article.title == "Russia readies scores of transports as troops pour into Kazakhstan"
    assert article.date == dt.datetime(2022, 1, 9, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=11)))
    assert article.date_only is False
    assert article.updated == dt.datetime(2022, 1, 10, 8, 0, tzinfo=dt.timezone(dt.timedelta(hours=11)))
    assert article.updated_date_only is False
    assert article.standfirst == "Moscow says it has prepared more than 75 aircraft."
    assert article.topics == ("Vladimir Putin", "Kazakhstan", "CSTO")
    assert article.source == "The Wall Street Journal"
    assert article.authors == ("Jane Doe", "John Roe")
    assert article.original_url == "https://example.com/story/123"
    assert article.image == Image(
        "troops.jpg", "Russian troop trucks leaving a transport aircraft",
        "Russian troop trucks rumble off transports on Sunday.", "Russian Defence Ministry via AFP")
    assert article.slug == "russia-readies-transports"
    assert article.aliases == ("/2022/01/old-headline/",)
    assert article.draft is True
    assert dict(article.extra) == {"mood": "grim"}
    assert article.body == "\nFirst paragraph.\n"
    assert article.body_line == 20  # the line after the closing '---'
    assert article.line_of("image") == 10 and article.line_of("image.credit") == 14


def test_minimal_article_defaults() -> None:
    article = ok("title: T\ndate: 2022-01-09\n")
    assert article.slug == "russia-troops"  # from the file name
    assert (article.updated, article.standfirst, article.source, article.original_url, article.image) == (None,) * 5
    assert (article.topics, article.authors, article.aliases, article.draft) == ((), (), (), False)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("topics: Kazakhstan\n", ("Kazakhstan",)),
        ("topics: [A, B, A]\n", ("A", "B")),  # duplicates dropped
        ("topics: ['  Vladimir   Putin ']\n", ("Vladimir Putin",)),  # spaces folded
        ("topics: []\n", ()),
        ("topics: [2022]\n", ("2022",)),
    ],
)
def test_topics_one_string_or_list(front: str, expected: tuple[str, ...]) -> None:
    assert ok("title: T\ndate: 2022-01-09\n" + front).topics == expected


def test_optional_keys_left_empty_are_not_set() -> None:
    keys = ["updated", "standfirst", "topics", "source", "author", "original_url", "image", "slug", "aliases", "draft"]
    article, diagnostics = parse("title: T\ndate: 2022-01-09\n" + "".join(f"{key}:\n" for key in keys))
    assert article is not None and diagnostics == []
    assert (article.updated, article.standfirst, article.source, article.original_url, article.image) == (None,) * 5
    assert (article.topics, article.authors, article.aliases, article.draft, article.slug) == ((), (), (), False, "russia-troops")


def test_author_as_one_string_and_image_as_a_path() -> None:
    article = ok("title: T\ndate: 2022-01-09\nauthor: Jane Doe\nimage: troops.jpg\n")
    assert article.authors == ("Jane Doe",)
    assert article.image == Image("troops.jpg")


# Dates (SPEC section 8): date-only is midnight in the site timezone, naive is in the site
# timezone, aware keeps its offset; <time datetime> is YYYY-MM-DD or ISO 8601 with offset.
@pytest.mark.parametrize(
    ("value", "moment", "date_only", "datetime_attr"),
    [
        ("2022-01-09", "2022-01-09T00:00:00+11:00", True, "2022-01-09"),
        ("'2022-01-09'", "2022-01-09T00:00:00+11:00", True, "2022-01-09"),
        ("2022-01-09 18:30", "2022-01-09T18:30:00+11:00", False, "2022-01-09T18:30:00+11:00"),
        ("2022-01-09T18:30:00", "2022-01-09T18:30:00+11:00", False, "2022-01-09T18:30:00+11:00"),
        ("2022-07-09T18:30:00", "2022-07-09T18:30:00+10:00", False, "2022-07-09T18:30:00+10:00"),  # winter
        ("2022-01-09T18:30:00+11:00", "2022-01-09T18:30:00+11:00", False, "2022-01-09T18:30:00+11:00"),
        ("2022-01-09T07:30:00Z", "2022-01-09T18:30:00+11:00", False, "2022-01-09T18:30:00+11:00"),
        ("'2022-01-09T07:30:00Z'", "2022-01-09T18:30:00+11:00", False, "2022-01-09T18:30:00+11:00"),
        ("2022-01-09T02:30:00+05:00", "2022-01-09T08:30:00+11:00", False, "2022-01-09T08:30:00+11:00"),
    ],
)
def test_dates(value: str, moment: str, date_only: bool, datetime_attr: str) -> None:
    article = ok(f"title: T\ndate: {value}\n")
    assert article.date == dt.datetime.fromisoformat(moment)
    assert article.date.utcoffset() is not None
    assert article.date_only is date_only
    assert iso_date(article.date, article.date_only, SYDNEY) == datetime_attr


def test_date_only_updated_is_flagged() -> None:
    article = ok("title: T\ndate: 2022-01-09T10:00:00\nupdated: 2022-01-10\n")
    assert article.updated == dt.datetime(2022, 1, 10, tzinfo=SYDNEY.tz) and article.updated_date_only is True


def test_naive_date_uses_the_site_timezone_not_utc() -> None:
    utc = ok("title: T\ndate: 2022-01-09 18:30\n", config=SiteConfig())
    sydney = ok("title: T\ndate: 2022-01-09 18:30\n")
    assert (utc.date - sydney.date) == dt.timedelta(hours=11)


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("date: 2022-01-09\n", f"{PATH}:1: 'title' is required but missing"),
        ("title: ''\ndate: 2022-01-09\n", f"{PATH}:2: 'title' is required"),
        ("title: T\n", f"{PATH}:1: 'date' is required but missing"),
        ("title: T\ndate: yesterday\n", f"{PATH}:3: 'date' is not a date: 'yesterday'"),
        ("title: T\ndate: 2022-01-09\nupdated: soon\n", f"{PATH}:4: 'updated' is not a date"),
        ("title: [a, b]\ndate: 2022-01-09\n", f"{PATH}:2: 'title' must be text"),
        ("title: T\ndate: 2022-01-09\ndraft: maybe\n", f"{PATH}:4: 'draft' must be true or false"),
        ("title: T\ndate: 2022-01-09\noriginal_url: example.com/x\n", f"{PATH}:4: 'original_url' must be an http(s) URL"),
        ("title: T\ndate: 2022-01-09\noriginal_url: 'http://[oops'\n", f"{PATH}:4: 'original_url' must be an http(s) URL"),
        ("title: T\ndate: 2022-01-09\nimage: 'http://[oops'\n", f"{PATH}:4: 'image' is not a valid path or URL"),
        ("title: T\ndate: 2022-01-09\nimage:\n  src: 'https://a]/x.jpg'\n", f"{PATH}:4: 'image' is not a valid path or URL"),
        ("title: T\ndate: 2022-01-09\ntopics: [[a]]\n", f"{PATH}:4: 'topics' must be text or a list of text"),
        ("title: T\ndate: 2022-01-09\nimage: {alt: x}\n", f"{PATH}:4: 'image' must be a path/URL"),
        ("title: T\ndate: 2022-01-09\nimage:\n  src: a.jpg\n  alt: [x]\n", f"{PATH}:6: 'image.alt' must be text"),
        ("title: T\ndate: 2022-01-09\naliases: [old/]\n", f"{PATH}:4: each alias must be a site path"),
        ("title: T\ndate: 2022-01-09\naliases: [/../../etc/]\n", f"{PATH}:4: each alias must be a site path"),
        ("title: T\ndate: 2022-01-09\naliases: ['//evil.example/']\n", f"{PATH}:4: each alias must be a site path"),
        # Images load from paths and web URLs only: not script, not inline data, not another host by '//'.
        ("title: T\ndate: 2022-01-09\nimage: 'javascript:alert(1)'\n", f"{PATH}:4: 'image' must be a path or an http(s) URL, not a 'javascript:' URL"),
        ("title: T\ndate: 2022-01-09\nimage:\n  src: 'data:image/png;base64,AAAA'\n", f"{PATH}:5: 'image' must be a path or an http(s) URL, not a 'data:' URL"),
        ("title: T\ndate: 2022-01-09\nimage: \"java\\tscript:alert(1)\"\n", f"{PATH}:4: 'image' must be a path or an http(s) URL, not a 'javascript:' URL"),
        ("title: T\ndate: 2022-01-09\nimage: //cdn.example/x.jpg\n", f"{PATH}:4: 'image' must be a path or an http(s) URL: write 'https://cdn.example/x.jpg'"),
    ],
)
def test_front_matter_errors_name_the_file_line(front: str, expected: str) -> None:
    article, diagnostics = parse(front)
    assert article is None
    found = [str(d) for d in diagnostics]
    assert any(m.startswith(expected) for m in found), found


@pytest.mark.parametrize(
    ("slug", "reason"),
    [
        ("a/b", "slug must not contain '/'"),
        ("a\\\\b", "slug must not contain '/' or '\\'"),
        ("..", "slug must not contain '..'"),
        ("../../etc", "slug must not contain '/'"),
        ("x..y", "slug must not contain '..'"),
        ("'?!'", "slug has no letters or digits"),
        ("'---'", "slug has no letters or digits"),
    ],
)
def test_unsafe_slugs_are_errors_never_rewritten(slug: str, reason: str) -> None:
    found = messages(f"title: T\ndate: 2022-01-09\nslug: {slug}\n")
    assert any(m.startswith(f"{PATH}:4: {reason}") for m in found), found


@pytest.mark.parametrize(
    ("slug", "expected"),
    [("Russia Readies", "russia-readies"), ("erdoğan-visit", "erdogan-visit"), (2022, "2022")],
)
def test_explicit_slug_is_folded(slug: object, expected: str) -> None:
    assert ok(f"title: T\ndate: 2022-01-09\nslug: {slug}\n").slug == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [("content/erdoğan-visit.md", "erdogan-visit"), ("content/a/Côte d'Ivoire wins.md", "cote-divoire-wins")],
)
def test_default_slug_from_file_name(path: str, expected: str) -> None:
    assert ok("title: T\ndate: 2022-01-09\n", path=path).slug == expected


def test_file_name_without_letters_needs_a_slug() -> None:
    found = messages("title: T\ndate: 2022-01-09\n", path="content/___.md")
    assert any(m.startswith("content/___.md:1: cannot make a URL slug") for m in found), found


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: T\ndate: 2022-01-09\ntopic: Kazakhstan\n", f"{PATH}:4: warning: unknown key 'topic'; did you mean 'topics'?"),
        ("tittle: T\ntitle: T\ndate: 2022-01-09\n", f"{PATH}:2: warning: unknown key 'tittle'; did you mean 'title'?"),
        ("title: T\ndate: 2022-01-09\n\nstand_first: x\n", f"{PATH}:5: warning: unknown key 'stand_first'; did you mean 'standfirst'?"),
        ("title: T\ndate: 2022-01-09\nauthors: x\n", f"{PATH}:4: warning: unknown key 'authors'; did you mean 'author'?"),
        ("title: T\ntitle: U\ndate: 2022-01-09\n", f"{PATH}:3: warning: key 'title' is set twice; the last one wins"),
    ],
)
def test_typo_warnings_name_file_and_line(front: str, expected: str) -> None:
    article, diagnostics = parse(front)
    assert article is not None  # a warning does not stop the article
    assert expected in [str(d) for d in diagnostics]


def test_unknown_keys_are_kept_quietly_in_extra() -> None:
    article, diagnostics = parse("title: T\ndate: 2022-01-09\nmood: grim\nregion: {name: Asia}\n")
    assert article is not None and diagnostics == []
    assert dict(article.extra) == {"mood": "grim", "region": {"name": "Asia"}}
    with pytest.raises(TypeError):
        article.extra["mood"] = "bright"  # type: ignore[index]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An unclosed bracket or quote is reported where it opens, not past the end.
        ("title: T\ndate: 2022-01-09\ntopics: [a, b\n", f"{PATH}:4: invalid YAML"),
        ("title: \"T\ndate: 2022-01-09\n", f"{PATH}:2: invalid YAML"),
        ("title: T\ndate: 2022-01-09\nstandfirst: a: b\n", f"{PATH}:4: invalid YAML"),
        ("title: T\n  date: 2022-01-09\n", f"{PATH}:3: invalid YAML"),
        ("title: T\ntopics: [x]\ndate: 2022-02-30\n", f"{PATH}:4: invalid YAML: day is out of range"),
        ("title: T\ndate: 2022-01-09\nupdated: 2022-13-01\n", f"{PATH}:4: invalid YAML: month must be in 1..12"),
        ("- a\n- b\n", f"{PATH}:2: front matter must be a mapping"),
    ],
)
def test_malformed_yaml_names_the_file_line(text: str, expected: str) -> None:
    article, diagnostics = parse(text)
    assert article is None
    assert any(str(d).startswith(expected) for d in diagnostics), [str(d) for d in diagnostics]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("No front matter here.\n", f"{PATH}:1: missing front matter"),
        ("---\ntitle: T\ndate: 2022-01-09\nBody without a closing fence.\n", f"{PATH}:1: front matter is not closed"),
    ],
)
def test_front_matter_fences(text: str, expected: str) -> None:
    article, diagnostics = parse_article(PATH, text, SYDNEY)
    assert article is None
    assert str(diagnostics[0]).startswith(expected)


def test_bom_and_crlf_are_accepted() -> None:
    article, diagnostics = parse_article(PATH, "\ufeff---\ntitle: T\ndate: 2022-01-09\n---\nBody\n", SYDNEY)
    assert article is not None and diagnostics == []


def test_scaffold_round_trips() -> None:
    now = dt.datetime(2022, 1, 9, 18, 30, tzinfo=SYDNEY.tz)
    text = scaffold_article("Troops: \"pour\" in", ["Vladimir Putin", "CSTO"], now)
    front = yaml.safe_load(text.split("---\n")[1])
    assert front["title"] == "Troops: \"pour\" in"
    assert front["date"] == now
    assert front["topics"] == ["Vladimir Putin", "CSTO"]
    article, diagnostics = parse_article("content/2022/troops.md", text, SYDNEY)
    assert article is not None and article.date == now and not article.date_only


@pytest.mark.parametrize("text", [
    "---\ntitle: T\n---\nBody\n", "---\n---\nBody\n", "---\ntitle: T\n...\nBody\n", "---\ntitle: T\n---  \t\nBody\n",
    "---\ntitle: T\n---\r\nBody\n", "---\na: ---\n----\n--- x\n---\n", "---\na: b\n... no\n....\n...\n---\n",
    "---\na: b\n---x\n...\n", "---\na: b\nc: d", "---\na: b\n--", "---\na: ...\n---", "---\na\n...", "---\n\n---\n",
    "---\r\na: b\r\n---\r\nBody\r\n", "---\na: b\n.. .\n- --\n---\n---\n",
])
def test_the_closing_fence_is_the_first_one_a_regex_search_finds(text: str) -> None:
    start = articles._FENCE.match(text).end()  # type: ignore[union-attr]
    fast, slow = articles._closing_fence(text, start), articles._CLOSE.search(text, start)
    assert (fast and fast.span()) == (slow and slow.span())


@pytest.mark.parametrize("url", [
    "https://example.com/a", "http://example.com", "HTTPS://example.com", "ftp://example.com", "https:/x", "https://",
    "http://exämple.com/", "https://例え.jp/", "http://[::1]/", "mailto:a@b.c", "/local/path", "https//x", "",
    "javascript:alert(1)", "http://a b", "https://a.com/ü",
])
def test_web_urls_are_those_urlsplit_gives_an_http_scheme(url: str) -> None:
    from urllib.parse import urlsplit

    assert weburls.is_web_url(url) == (urlsplit(url).scheme in ("http", "https"))


@pytest.mark.parametrize("url", ["http://[::1", "https://a]/", "https://[x]/", "http://[oops"])
def test_urls_urlsplit_refuses_are_not_web_urls(url: str) -> None:
    from urllib.parse import urlsplit

    with pytest.raises(ValueError):
        urlsplit(url)
    assert weburls.is_web_url(url) is False


def test_articles_without_keys_of_their_own_share_one_empty_extra() -> None:
    first, second = ok("title: A\ndate: 2022-01-09\n"), ok("title: B\ndate: 2022-01-09\n")
    assert first.extra == {} and first.extra is second.extra
    assert dict(ok("title: A\ndate: 2022-01-09\nmood: calm\n").extra) == {"mood": "calm"}
