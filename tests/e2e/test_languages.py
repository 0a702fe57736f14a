"""The site's language: theme strings, dates, `strings:` overrides and their warnings (SPEC section 14)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from generator.content.language import THEME_KEYS
from generator.content.strings import THEME_STRINGS
from tests.conftest import run_cli
from tests.e2e.helpers import build, front, page
from tests.htmltree import Element, parse_file

SEED = front({"date": "2022-01-09T18:30:00+01:00", "updated": "2022-01-10", "title": "Sommet à Paris",
              "standfirst": "Les dirigeants se retrouvent.", "topics": ["Europe", "Énergie"],
              "author": ["Anne", "Luc"], "source": "Le Journal",
              "image": {"src": "https://example.org/a.jpg", "alt": "Vue", "credit": "AFP"},
              "original_url": "https://example.org/story"},
             "Le texte. Voir [la source](https://example.org/).\n")


@pytest.mark.parametrize(("language", "date", "latest"), [
    ("fr", "9 janvier 2022", "Derniers briefings"),
    ("de", "9. Januar 2022", "Neueste Briefings"),
    ("en-AU", "9 January 2022", "Latest briefings"),
    ("es", "9 de enero de 2022", "Últimos resúmenes"),
    ("it", "9 gennaio 2022", "Ultimi briefing"),
    ("pt-BR", "9 de janeiro de 2022", "Últimos resumos"),
])
def test_the_language_sets_lang_strings_and_dates(make_site, capsys, language: str, date: str, latest: str) -> None:
    site = make_site({"content/a.md": SEED}, f"title: T\nlanguage: {language}\ntimezone: Europe/Paris\n")
    assert build(site) == 0
    assert "warning" not in capsys.readouterr().err
    out = site / "public"
    article, home = page(out, "/2022/01/a/"), page(out, "/")
    assert article.one("html").get("lang") == language
    assert article.one("time", **{"class": "byline-date"}).text == date
    assert home.one("h1").text == latest
    strings = THEME_STRINGS[language.split("-")[0]]
    assert article.one("span", **{"class": "article-topics-label"}).text == " ".join(strings["related_topics"].split())
    assert article.one("span", **{"class": "credit"}).text == " ".join(strings["picture_credit"].split()).replace(
        "{credit}", "AFP")
    and_word = strings["and"]
    assert article.one("span", **{"class": "byline-authors"}).text == \
        strings["by_authors"].replace("{authors}", f"Anne {and_word} Luc")


def test_french_seed_article_after_init(tmp_path: Path) -> None:
    site = tmp_path / "journal"
    assert run_cli("init", str(site)) == 0
    settings = site / "site.yaml"
    settings.write_text(settings.read_text(encoding="utf-8").replace("language: en", "language: fr"), encoding="utf-8")
    (site / "content" / "2022").mkdir(exist_ok=True)
    (site / "content" / "2022" / "sommet.md").write_text(SEED, encoding="utf-8")
    assert run_cli("build", "--site", str(site)) == 0
    out = site / "public"
    seed = page(out, "/2022/01/sommet/")
    assert "9 janvier 2022" in seed.one("time", **{"class": "byline-date"}).text
    assert "Thèmes associés" in seed.text and "Read related topics" not in seed.text
    first = page(out, "/")
    assert first.one("h1").text == "Derniers briefings"
    assert first.one("a", **{"class": "skip-link"}).text == "Aller au contenu"


def test_strings_override_any_visible_string(make_site, capsys) -> None:
    site = make_site({"content/a.md": SEED},
                     "title: T\nlanguage: fr\nstrings:\n  latest_briefings: À la une aujourd’hui\n"
                     "  briefings_other: \"{count} dépêches\"\n  picture_credit: \"© {credit}\"\n")
    assert build(site) == 0
    assert "warning" not in capsys.readouterr().err
    out = site / "public"
    assert page(out, "/").one("h1").text == "À la une aujourd’hui"
    assert page(out, "/2022/01/a/").one("span", **{"class": "credit"}).text == "© AFP"
    assert page(out, "/").find("p", **{"class": "site-footer-description"}) is None
    assert "À la une aujourd’hui" in page(out, "/topics/").text  # the footer link too


def test_an_unknown_string_key_is_a_warning_with_its_line(make_site, capsys) -> None:
    site = make_site({"content/a.md": SEED}, "title: T\nstrings:\n  latest: Now\n  latest_briefing: Today\n")
    assert build(site) == 0
    err = capsys.readouterr().err
    assert "site.yaml:4: warning: unknown theme string 'latest_briefing'; did you mean 'latest_briefings'?" in err
    assert build(site, "--strict") == 1


def test_an_override_filling_in_an_unknown_value_is_an_error(make_site, capsys) -> None:
    site = make_site({"content/a.md": SEED}, "title: T\nstrings:\n  page_of: \"{page} / {total}\"\n")
    assert build(site) == 1
    assert capsys.readouterr().err.startswith("site.yaml:3: theme string 'page_of' fills in {page}")


def test_a_language_without_strings_falls_back_to_english_with_a_warning(make_site, capsys) -> None:
    site = make_site({"content/a.md": SEED}, "title: T\ndescription: D\nlanguage: nl\n")
    assert build(site) == 0
    err = capsys.readouterr().err
    assert "site.yaml:3: warning: the theme has no strings for language 'nl'" in err
    doc = page(site / "public", "/2022/01/a/")
    assert doc.one("html").get("lang") == "nl"
    assert doc.one("time", **{"class": "byline-date"}).text == "9 januari 2022"  # Babel still knows Dutch dates
    assert page(site / "public", "/").one("h1").text == "Latest briefings"


MARK = re.compile(r"⟦\w+⟧")
# What is not the theme's own words: the article's and settings' values, numbers, punctuation.
CONTENT = ["Sommet à Paris", "Les dirigeants se retrouvent.", "Europe", "Énergie", "Anne", "Luc", "Le Journal",
           "AFP", "Vue", "https://example.org/story", "Le texte.", "Voir", "la source", "Body.", "Site Title",
           "The description", "January",  # a month, named by Babel
           "(Atom)", "(RSS)"]  # feed formats' names, the same in every language


def _visible_words(doc: Element) -> list[str]:
    texts = [doc.one("title").text]
    for el in doc.one("body").iter():
        if el.tag in ("script", "style", "time", "noscript") or any(a.tag == "time" for a in el.ancestors()):
            continue
        texts.extend(c for c in el.children if isinstance(c, str))
        texts.extend(el.get(attr) or "" for attr in ("aria-label", "placeholder", "alt", "title"))
    left = []
    for text in texts:
        text = MARK.sub(" ", text)
        for known in CONTENT:
            text = text.replace(known, " ")
        left.extend(w for w in text.split() if re.search(r"[^\W\d_]", w) and not w.startswith("http"))
    return left


def test_every_visible_string_of_the_theme_is_keyed(make_site) -> None:
    overrides = "".join(f"  {key}: \"⟦{key}⟧{' {' + 'count}' if key.startswith('briefings_') else ''}\"\n"
                        for key in THEME_KEYS)
    site = make_site({"content/a.md": SEED, "content/b.md": front({"date": "2022-01-08", "title": "Europe",
                                                                    "topics": ["Europe"], "draft": True})},
                     f"title: Site Title\ndescription: The description\nper_page: 1\nstrings:\n{overrides}")
    assert build(site, "--drafts", "--no-search") == 0
    out = site / "public"
    pages = [p for p in out.rglob("*.html")]
    assert len(pages) > 8
    for path in pages:
        assert _visible_words(parse_file(path)) == [], path.relative_to(out)


def test_the_readme_lists_every_key_and_every_language_has_every_key() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    listed = set(re.findall(r"^\| `(\w+)` \| ", readme, re.MULTILINE))
    assert set(THEME_KEYS) <= listed
    for language, strings in THEME_STRINGS.items():
        assert list(strings) == list(THEME_KEYS), language
        for key, text in strings.items():  # the same values filled in as the English string
            assert set(re.findall(r"\{(\w+)\}", text)) == set(re.findall(r"\{(\w+)\}", THEME_STRINGS["en"][key])), key


def test_feeds_carry_the_credit_and_original_url_in_the_sites_language(make_site) -> None:
    import feedparser

    site = make_site({"content/a.md": SEED}, "title: T\nlanguage: de\n")
    assert build(site) == 0
    item = feedparser.parse((site / "public" / "feed.xml").read_bytes()).entries[0]
    content = item.content[0].value
    assert "Bild: AFP" in content and "Original-URL:" in content and "Picture:" not in content
