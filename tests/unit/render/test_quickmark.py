"""The quick renderer must write exactly what the full Markdown parser writes, or step aside."""

from __future__ import annotations

import random

import pytest

from generator.render.markup import (
    RenderedBody,
    heading_id,
    markdown_parser,
    render_fully,
    resolve_reference,
)
from generator.render.quickmark import render_quick

TARGETS = {"content/2022/map.svg": "/2022/map.svg", "content/2022/b.md": "/2022/01/b/"}
BASE_DIR = "content/2022"


def resolver(base_path: str):  # type: ignore[no-untyped-def]
    return lambda url, folder: resolve_reference(url, folder, TARGETS.get, base_path)


def both(body: str, escape_html: bool = True, base_path: str = "/") -> tuple[RenderedBody | None, RenderedBody]:
    md = markdown_parser(escape_html)
    quick = render_quick(body, md, resolver(base_path), BASE_DIR, heading_id)
    full = render_fully(body, md, resolver(base_path), BASE_DIR)
    return (None if quick is None else RenderedBody(*quick)), full


BRIEFING = """\
Troops *landed* in [Almaty](https://example.org/almaty) on Thursday… “We are here,” he said.
A second line of the same paragraph, with Zürich & São Paulo > 3 and 50% more.

## What happens next

- *Security* forces took the airport.
- The bloc’s [statement](b.md) came late?

- A loose item after a blank line.

> Order will be restored, the [ministry](/topics/csto/) said.

# A heading the layout demotes

## What happens next

##### Small print

*Emphasis* opens this paragraph, a*b*c sits inside words, and [*crisis*](https://example.org/crisis) ends it.
"""


@pytest.mark.parametrize("base_path", ["/", "/briefings/"])
def test_a_typical_briefing_takes_the_quick_path_with_identical_output(base_path: str) -> None:
    quick, full = both(BRIEFING, base_path=base_path)
    assert quick is not None
    assert quick == full
    assert 'id="what-happens-next-1"' in quick.html and "<h5>Small print</h5>" in quick.html
    assert quick.first_paragraph.startswith("Troops landed in Almaty on Thursday…")


@pytest.mark.parametrize("body", [
    "A `code` span.\n",
    "An <b>HTML</b> tag.\n",
    "snake_case words\n",
    "An escaped \\*star\\*.\n",
    "A [reference][ref].\n\n[ref]: https://example.org/\n",
    "A footnote[^1].\n\n[^1]: The note.\n",
    "An ![image](map.svg).\n",
    "| a | b |\n| - | - |\n| 1 | 2 |\n",
    "    indented code\n",
    "Tab\tseparated\n",
    "A *dangling star.\n",
    "Stars * apart *\n",
    "1. First\n2. Second\n",
    "Paragraph\n- interrupted by a list\n",
    "> quote\nlazy continuation\n",
    "- item\nlazy continuation\n",
    "Title\n=====\n",
    "Trailing spaces  \nmake a hard break\n",
    "[bad](javascript:alert(1))\n",
    "An &amp; entity\n",
    "~~struck~~\n",
    "## Closing hashes ##\n",
])
def test_anything_outside_the_usual_shape_goes_to_the_full_parser(body: str) -> None:
    quick, _full = both(body)
    assert quick is None


@pytest.mark.parametrize("body", [
    "Wait... what -- really?\n", "Copyright (c) 2022 --- all (TM).\n", "Russia's *players* rock'n'roll.\n",
    "## It's 2022...\n", "- a--b\n- [it's](https://e.org/)\n", "Straight 'quotes' get curled.\n",
    'He said "no, *not* \'now\'".\n', '"[Quoted link](https://e.org/)," she said; a 2" pipe.\n',
    '> "Open\n> and closed" across lines\n', "**Strong:** text and *em*.\n", "> **Why it matters:** *this*\n",
    "- **From Belarus**, toward Kyiv\n",
])
def test_typography_the_quick_path_applies(body: str) -> None:
    quick, full = both(body)
    assert quick is not None
    assert quick == full


# Pieces of text, many of them awkward, from which random bodies are put together.
WORDS = ["troops", "Zürich", "São", "“quoted,”", "said.", "week…", "50%", "a>b", "AT&T", "R&D", "x*y",
         "(c)", "(a)", "--", "-", "...", "…", "?", "!", "#tag", "C#", "’", "'", '"', "é", "1.", "2)", "+",
         "=", ":", "]", "[", "(", ")", "\u00a0", "\u2028", "日本", "_", "~", "`", "\\", "<i>", "&#42;", ":-)",
         "Russia's", "players'", "'90s", "rock'n'roll", "it's.", "a--b", "x---y", "?....", "!!!!!", ",,,", "+-3",
         "(TM)", "(r)", "-- ", "--", "...", "O'Neill's", "*a:*", "**b.**", "(*c*)", "*“d”*", "**e**:", "***f***",
         "**g*", "*h**", "“**i**”", "**j** *k*", "*l**m**n*", "**", "*"]
INLINE = ["*{w}*", "*{w} {w}*", "[{w}](https://example.org/{w})", "[*{w}*](b.md)", "[{w}](map.svg)",
          "[{w}](/topics/{w}/)", "[{w}](#anchor)", "[{w}](../2022/b.md?x=1#y)", "*{w}", "{w}*", "**{w}**",
          "[{w}]", "[{w}]({w} x)", "![{w}](map.svg)", "[{w}](javascript:x)", "*{w}*{w}*{w}*"]
PREFIXES = ["", "", "", "", "", "", "", "", "## ", "- ", "- ", "> ", "## ", "# ", "#### ", "###### ", "- ", "- ", "> ", "* ", "+ ", "1. ", " ", "    ",
            "---", "===", "#", ">", "-", "[x]: /u\n"]


def random_line(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(1, 8)):
        word = rng.choice(WORDS) if rng.random() < 0.05 else rng.choice(["alpha", "Beta", "gamma", "Delta9"])
        if rng.random() < 0.2:
            word = rng.choice(INLINE[:8] if rng.random() < 0.7 else INLINE).format(w=word)
        parts.append(word)
    line = rng.choice(PREFIXES) + " ".join(parts)
    return line + (" " if rng.random() < 0.03 else "")


def random_body(rng: random.Random) -> str:
    lines = []
    for _ in range(rng.randint(0, 8)):
        lines.append(random_line(rng))
        if rng.random() < 0.6:
            lines.append("")
    return "\n".join(lines) + rng.choice(["", "\n", "\n\n"])


def test_random_bodies_render_identically_whenever_the_quick_path_takes_them() -> None:
    rng = random.Random(2026)
    quick_count = 0
    for _ in range(4000):
        body = random_body(rng)
        for escape_html in (True, False):
            quick, full = both(body, escape_html, rng.choice(["/", "/briefings/"]))
            if quick is not None:
                quick_count += 1
                assert quick == full, body
    # The generator is tuned so that both paths are exercised in earnest.
    assert 800 < quick_count < 7000


TYPOGRAPHY = ["Russia's", "players'", "'90s", "rock'n'roll", "it's.", "a--b", "x---y", "?....", "!!!!!", ",,,",
              "+-3", "(TM)", "(r)", "--", "...", "O'Neill's", "word", "Word", "2022", "?", "-", "—", "(", ")",
              '"', "'", '"quoted"', "'single'", '5"', "'tis", '"', '("', '")', "“", '"*em*"']


def test_typography_heavy_bodies_render_identically() -> None:
    rng = random.Random(11)
    quick_count = 0
    for _ in range(3000):
        lines = []
        for _ in range(rng.randint(1, 5)):
            words = [rng.choice(TYPOGRAPHY) for _ in range(rng.randint(1, 10))]
            words = [rng.choice(INLINE[:8]).format(w=w) if rng.random() < 0.2 else w for w in words]
            lines.append(rng.choice(["", "", "## ", "- ", "> "]) + rng.choice([" ", "\n"]).join(words))
            lines.append(rng.choice(["", "", "\n"]))
        body = "\n".join(lines)
        quick, full = both(body)
        if quick is not None:
            quick_count += 1
            assert quick == full, body
    assert quick_count > 200


def test_plain_bodies_usually_take_the_quick_path() -> None:
    rng = random.Random(7)
    plain = ["alpha", "Beta", "gamma", "Delta9", "“quoted,”", "said.", "week…", "São", "*em*", "[x](https://e.org/x)"]
    taken = 0
    for _ in range(500):
        paragraphs = [" ".join(rng.choice(plain) for _ in range(20)) for _ in range(5)]
        body = "\n\n".join(["## Heading " + rng.choice(plain), *paragraphs, "- one\n- two", "> quote"])
        quick, full = both(body)
        if quick is not None:
            taken += 1
            assert quick == full
    assert taken == 500


def test_empty_and_blank_bodies() -> None:
    for body in ("", "\n", "\n\n\n"):
        quick, full = both(body)
        assert quick == full == RenderedBody("", "")


def test_every_sample_briefing_renders_as_the_full_parser_renders_it() -> None:
    from pathlib import Path

    root = Path(__file__).resolve().parents[3]
    bodies = [path.read_text(encoding="utf-8").split("\n---\n", 1)[-1] for path in sorted((root / "content").rglob("*.md"))]
    assert len(bodies) >= 10
    quick_count = 0
    for body in bodies:
        quick, full = both(body)
        if quick is not None:
            quick_count += 1
            assert quick == full
    assert quick_count >= 5  # the sample's plainer briefings take the quick path


def test_heading_ids_of_plain_words_are_the_slugs_slugify_makes() -> None:
    from generator.content.slugs import make_slug
    from generator.render.markup import LAYOUT_IDS

    rng = random.Random(5)
    letters = "abcXYZ019 "
    texts = ["What happens next", "Main", "Comments config", "x" * 119, "x" * 120, "a " * 59 + "b", "a " * 60 + "b",
             "Two  spaces", " Leading", "Trailing ", "Côte d'Ivoire", "R&D", ""]
    texts += ["".join(rng.choice(letters) for _ in range(rng.randint(1, 130))) for _ in range(3000)]
    for text in texts:
        slug = make_slug(text) or "section"
        assert heading_id(text) == (f"{slug}-section" if slug in LAYOUT_IDS else slug), text
