"""site.yaml: author profiles and the author and source permalinks (SPEC section 10)."""

from __future__ import annotations

import pytest

from generator.content.config import AuthorProfile, Permalinks, load_config
from generator.diagnostics import BuildError


def messages(text: str) -> list[str]:
    with pytest.raises(BuildError) as failure:
        load_config(text, "site.yaml")
    return [f"{d.path}:{d.line}: {d.message}" for d in failure.value.diagnostics]


def test_profiles_are_read_by_name_with_bio_image_url_and_links() -> None:
    config, warnings = load_config(
        "title: T\nauthors:\n  Jane   Doe:\n    bio: Writes *things*.\n    image: /people/jane.jpg\n"
        "    url: https://jane.example/\n    links: [https://social.example/@jane]\n  Bo:\n", "site.yaml")
    assert warnings == []
    assert config.authors["Jane Doe"] == AuthorProfile("Writes *things*.", "people/jane.jpg", "https://jane.example/",
                                                       ("https://social.example/@jane",))
    assert config.authors["Bo"] == AuthorProfile()


def test_profile_mistakes_name_their_line() -> None:
    found = messages("title: T\nauthors:\n  Jane:\n    url: ftp://x\n    links: https://a.example/\n"
                     "  Bo:\n    image: 'javascript:alert(1)'\n  Al: [x]\n")
    assert "site.yaml:4: 'url' of 'Jane' must be an http(s) URL (got 'ftp://x')" in found
    assert "site.yaml:5: 'links' must be a list of URLs" in found
    assert "site.yaml:7: 'image' must be a path or an http(s) URL, not a 'javascript:' URL" in found
    assert "site.yaml:8: the profile of author 'Al' must be a mapping of bio, image, url, links" in found
    assert messages("authors: [Jane]\n") == ["site.yaml:1: 'authors' must map author names to profiles (bio, image, url, links)"]


def test_an_unknown_profile_key_is_a_warning() -> None:
    _config, warnings = load_config("authors:\n  Jane:\n    twitter: '@jane'\n", "site.yaml")
    assert [f"{w.line}: {w.message}" for w in warnings] == [
        "3: unknown key 'twitter' in the profile of 'Jane' (use bio, image, url, links)"]


def test_author_and_source_permalinks_default_and_are_configurable() -> None:
    assert (Permalinks().author, Permalinks().source) == ("/authors/{slug}/", "/sources/{slug}/")
    config, _ = load_config("permalinks:\n  author: /people/{slug}/\n  source: /outlets/{slug}/\n", "site.yaml")
    assert (config.permalinks.author, config.permalinks.source, config.permalinks.topic) == (
        "/people/{slug}/", "/outlets/{slug}/", "/topics/{slug}/")


@pytest.mark.parametrize(("pattern", "expected"), [
    ("/people/{slug}", "site.yaml:3: permalink 'author' must end with '/' (its pages follow at <author URL>page/N/)"),
    ("/people/{year}/{slug}/", "site.yaml:3: permalink 'author' must contain {slug} and only ['{slug}'] as whole fields"),
    ("people/{slug}/", "site.yaml:3: permalink 'author' must be a path starting with '/'"),
])
def test_a_bad_author_permalink_is_an_error(pattern: str, expected: str) -> None:
    assert messages(f"title: T\npermalinks:\n  author: {pattern}\n") == [expected]
