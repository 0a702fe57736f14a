from __future__ import annotations

import sys
import types

import pytest

from generator.content.slugs import make_slug, unique_slugs, unsafe_slug_reason


@pytest.mark.parametrize(
    ("text", "slug"),
    [
        ("Zürich", "zurich"),
        ("Recep Tayyip Erdoğan", "recep-tayyip-erdogan"),
        ("Côte d'Ivoire", "cote-divoire"),
        ("Côte d\u2019Ivoire", "cote-divoire"),
        ("Kemal Kılıçdaroğlu", "kemal-kilicdaroglu"),
        ("Türkiye", "turkiye"),
        ("São Paulo", "sao-paulo"),
        ("Vladimir Putin", "vladimir-putin"),
        ("CSTO", "csto"),
        ("UBS & Credit Suisse", "ubs-and-credit-suisse"),
        ("COP28", "cop28"),
        ("  spaced   out  ", "spaced-out"),
        ("Ukraine -- war", "ukraine-war"),
        ("?!...", ""),
        ("", ""),
    ],
)
def test_make_slug_folds_to_readable_ascii(text: str, slug: str) -> None:
    assert make_slug(text) == slug


def test_long_slugs_are_cut_at_a_word() -> None:
    slug = make_slug("word " * 60)
    assert len(slug) <= 120 and not slug.endswith("-") and slug.endswith("word")


@pytest.mark.parametrize(
    ("slug", "refused"),
    [
        ("good-slug", False),
        ("erdoğan", False),
        ("a/b", True),
        ("/", True),
        ("a\\b", True),
        ("..", True),
        ("a..b", True),
        ("...", True),
        ("?!", True),
        ("-", True),
    ],
)
def test_unsafe_slug_reason(slug: str, refused: bool) -> None:
    assert (unsafe_slug_reason(slug) is not None) is refused


def test_unique_slugs_number_collisions_in_the_given_order() -> None:
    names = ["Côte d'Ivoire", "Cote dIvoire", "COTE D'IVOIRE", "Zürich", "Zurich"]
    assert unique_slugs(names, fallback="topic") == {
        "Côte d'Ivoire": "cote-divoire",
        "Cote dIvoire": "cote-divoire-2",
        "COTE D'IVOIRE": "cote-divoire-3",
        "Zürich": "zurich",
        "Zurich": "zurich-2",
    }


def test_unique_slugs_never_reuse_a_numbered_slug() -> None:
    # "A 2" slugs to "a-2" itself; the second "a" must not take it.
    result = unique_slugs(["a", "a 2", "A"], fallback="topic")
    assert len(set(result.values())) == 3


def test_unique_slugs_fallback_for_names_without_letters() -> None:
    assert unique_slugs(["???", "!!!"], fallback="topic") == {"???": "topic", "!!!": "topic-2"}


def test_slugs_do_not_change_when_unidecode_is_installed(monkeypatch) -> None:
    # slugify's default backend prefers Unidecode when it can import it; slugs must not follow.
    expected = make_slug("Kraków — Žižkov, 東京")
    fake = types.ModuleType("unidecode")
    fake.unidecode = lambda text: "other"  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "unidecode", fake)
    assert make_slug("Kraków — Žižkov, 東京") == expected == "krakow-zizkov-dong-jing"


def test_shortcuts_give_the_slugs_slugify_makes() -> None:
    # make_slug answers slug-form text and plain ASCII words itself; slugify must agree.
    import random

    from slugify import slugify

    from generator.content import slugs

    rng = random.Random(5)
    letters = "abcXYZ019 -"
    texts = ["What happens next", "Main", "already-a-slug", "x" * 119, "x" * 120, "x" * 121, "a " * 59 + "b",
             "a " * 60 + "b", "Two  spaces", " Leading", "Trailing ", "Côte d'Ivoire", "R&D", "a--b", "-a", ""]
    texts += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 130))) for _ in range(3000)]
    for text in texts:
        expected = slugify(text, replacements=slugs._REPLACEMENTS, max_length=slugs.SLUG_LIMIT, word_boundary=True,
                           backend="text-unidecode")
        assert make_slug(text) == expected, text
