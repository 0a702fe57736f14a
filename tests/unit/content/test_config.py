from __future__ import annotations

import pytest

from generator.content.config import KNOWN_KEYS, Permalinks, SiteConfig, load_config
from generator.diagnostics import BuildError, UsageError


def errors_of(text: str, base_url: str | None = None) -> list[str]:
    with pytest.raises(BuildError) as caught:
        load_config(text, "site.yaml", base_url)
    return [str(d) for d in caught.value.diagnostics]


# Every key and the value a site.yaml holding only `title` gets (SPEC section 4).
@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("base_url", "http://localhost:8000/"),
        ("language", "en"),
        ("timezone", "UTC"),
        ("description", ""),
        ("per_page", 20),
        ("feed_size", 20),
        ("permalinks", Permalinks("/{year}/{month}/{slug}/", "/topics/{slug}/")),
        ("escape_html", False),
    ],
)
def test_defaults_for_every_key(key: str, expected: object) -> None:
    config, warnings = load_config("title: Only a title\n", "site.yaml")
    assert config.title == "Only a title"
    assert getattr(config, key) == expected
    assert warnings == []


def test_empty_file_gives_all_defaults() -> None:
    config, warnings = load_config("", "site.yaml")
    assert config.title == SiteConfig().title
    assert dict(config.topics) == {} and dict(config.extra) == {}
    assert config.base_path == "/"
    assert warnings == []


def test_every_key_is_read() -> None:
    text = (
        "title: Briefs\n"
        "base_url: https://example.org/briefings\n"
        "language: en-AU\n"
        "timezone: Australia/Sydney\n"
        "description: Short.\n"
        "per_page: 3\n"
        "feed_size: 7\n"
        "permalinks:\n"
        "  article: /news/{year}/{slug}/\n"
        "  topic: /t/{slug}/\n"
        "topics:\n"
        "  Vladimir Putin:\n"
        "    description: Russia's president.\n"
        "  CSTO:\n"
        "escape_html: true\n"
        "theme_colour: red\n"
    )
    config, warnings = load_config(text, "site.yaml")
    assert config.base_url == "https://example.org/briefings/"  # trailing slash added
    assert config.base_path == "/briefings/"
    assert config.absolute_url("/briefings/x/") == "https://example.org/briefings/x/"
    assert (config.language, config.timezone, config.description) == ("en-AU", "Australia/Sydney", "Short.")
    assert (config.per_page, config.feed_size, config.escape_html) == (3, 7, True)
    assert config.permalinks == Permalinks("/news/{year}/{slug}/", "/t/{slug}/")
    assert config.topics["Vladimir Putin"].description == "Russia's president."
    assert config.topics["CSTO"].description is None
    assert config.extra["theme_colour"] == "red"  # unknown keys kept for templates
    assert warnings == []  # not close to any known key


def test_base_url_option_overrides_site_yaml() -> None:
    config, _ = load_config("base_url: https://a.example/\n", "site.yaml", "https://b.example/sub")
    assert config.base_url == "https://b.example/sub/"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "site.yaml:1: site.yaml must be a mapping"),
        ("just a sentence\n", "site.yaml:1: site.yaml must be a mapping"),
        ("title: A\nper_page: [\n", "site.yaml:2: invalid YAML"),
        ("title: A\ndescription: \"unclosed\nper_page: 5\n", "site.yaml:2: invalid YAML"),
        ("title: A\n  bad: indent\n", "site.yaml:2: invalid YAML"),
        ("title: A\ndescription: x\ntimezone: Mars/Olympus_Mons\n", "site.yaml:3: unknown timezone 'Mars/Olympus_Mons'"),
        ("title: A\nper_page: 0\n", "site.yaml:2: 'per_page' must be a whole number"),
        ("title: A\nper_page: ten\n", "site.yaml:2: 'per_page' must be a whole number"),
        ("feed_size: true\n", "site.yaml:1: 'feed_size' must be a whole number"),
        ("title: [a, b]\n", "site.yaml:1: 'title' must be a text value"),
        ("title: A\n\nescape_html: sometimes\n", "site.yaml:3: 'escape_html' must be true or false"),
        ("base_url: example.org\n", "site.yaml:1: base_url must be an absolute http(s) URL"),
        ("base_url: ftp://example.org/\n", "site.yaml:1: base_url must be an absolute http(s) URL"),
        ("base_url: 'http://[oops'\n", "site.yaml:1: base_url must be an absolute http(s) URL"),
        ("title: A\npermalinks: /x/\n", "site.yaml:2: 'permalinks' must be a mapping"),
        ("permalinks:\n  article: /{year}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  article: /{year}/{slug}/{hour}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  topic: topics/{slug}/\n", "site.yaml:2: permalink 'topic' must be a path starting with '/'"),
        ("permalinks:\n  topic: /topics/{slug}\n", "site.yaml:2: permalink 'topic' must end with '/'"),
        ("permalinks:\n  article: /../{slug}/\n", "site.yaml:2: permalink 'article' must not contain '..'"),
        ("permalinks:\n  page: /p/{slug}/\n", "site.yaml:2: unknown permalink kind 'page'"),
        # Only the documented fields, as whole fields: no attributes, items, conversions or formats.
        ("permalinks:\n  article: /{slug.__class__}/{slug}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  article: /{slug[0]}/{slug}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  article: /{year.__doc__}/{slug}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  article: /{slug!r}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  article: /{slug:>300}/\n", "site.yaml:2: permalink 'article' must contain {slug}"),
        ("permalinks:\n  topic: /t/{slug}/{/\n", "site.yaml:2: permalink 'topic' must contain {slug}"),
        ("title: A\npermalinks:\n  article: /" + "x" * 256 + "/{slug}/\n",
         "site.yaml:3: permalink 'article' makes folder names longer than 255 bytes"),
        ("permalinks:\n  topic: /" + "t" * 130 + "-{slug}/\n", "site.yaml:2: permalink 'topic' makes folder names longer"),
        ("topics:\n  CSTO: just text\n", "site.yaml:2: settings of topic 'CSTO' must be a mapping"),
        ("topics: [a, b]\n", "site.yaml:1: 'topics' must map topic names"),
        ("title: A\nlogo: 'javascript:alert(1)'\n", "site.yaml:2: 'logo' must be a path or an http(s) URL, not a 'javascript:'"),
        ("logo: 'data:image/png;base64,AAAA'\n", "site.yaml:1: 'logo' must be a path or an http(s) URL, not a 'data:'"),
        ("title: A\nlanguage: " + "x" * 300 + "\n", "site.yaml:2: 'language' must be a language tag"),
        ("title: A\nlanguage: en-\n", "site.yaml:2: 'language' must be a language tag"),
        ("title: A\nlanguage: English (Australia)\n", "site.yaml:2: 'language' must be a language tag"),
    ],
)
def test_errors_name_the_line(text: str, expected: str) -> None:
    messages = errors_of(text)
    assert any(m.startswith(expected) for m in messages), messages


@pytest.mark.parametrize("option", ["not a url", "example.org/briefings/", "https://example.org/?q=1", "ftp://example.org/"])
def test_bad_base_url_option_is_a_usage_error(option: str) -> None:
    # Command-line misuse (exit 2), not a problem in site.yaml.
    with pytest.raises(UsageError, match="--base-url must be an absolute http"):
        load_config("title: A\n", "site.yaml", option)


def test_every_error_is_reported_at_once() -> None:
    messages = errors_of("per_page: 0\nfeed_size: 0\ntimezone: Nowhere/Land\n")
    assert [m.split(":")[1] for m in messages] == ["1", "2", "3"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("title: A\ntitel: B\n", "site.yaml:2: warning: unknown key 'titel'; did you mean 'title'?"),
        ("timzone: UTC\n", "site.yaml:1: warning: unknown key 'timzone'; did you mean 'timezone'?"),
        ("title: A\nper_pages: 4\n", "site.yaml:2: warning: unknown key 'per_pages'; did you mean 'per_page'?"),
        ("title: A\ntitle: B\n", "site.yaml:2: warning: key 'title' is set twice; the last one wins"),
    ],
)
def test_likely_typos_warn_with_line(text: str, expected: str) -> None:
    _config, warnings = load_config(text, "site.yaml")
    assert expected in [str(w) for w in warnings]


def test_keys_left_empty_take_their_defaults() -> None:
    keys = sorted(KNOWN_KEYS)
    config, warnings = load_config("".join(f"{key}:\n" for key in keys), "site.yaml")
    defaults = SiteConfig()
    for key in keys:
        assert getattr(config, key) == getattr(defaults, key), key
    assert warnings == []


def test_base_url_option_holds_no_character_a_page_may_not() -> None:
    # site.yaml's values are cleaned as YAML is read; the option's text is cleaned as it enters.
    config, _ = load_config("title: A\n", "site.yaml", "https://exa\x01mple.org/\x7fnews\ufffe/")
    assert config.base_url == "https://example.org/\x7fnews/"


@pytest.mark.parametrize("tag", ["en", "en-AU", "pt-BR", "zh-Hant-TW", "es-419", "de-CH-1901", "en_AU", "fr-FR-x-newsroom"])
def test_language_tags_are_read_as_written(tag: str) -> None:
    config, problems = load_config(f"language: {tag}\n", "site.yaml")
    # The theme has no strings for Chinese: a warning says so, and the tag is kept as written.
    assert [p.message for p in problems if "no strings for language" not in p.message] == []
    assert config.language == tag
