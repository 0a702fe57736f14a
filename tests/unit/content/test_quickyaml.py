"""The quick front-matter reader gives PyYAML's values and key lines, or leaves the document to PyYAML."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
import yaml

from generator.content import quickyaml, yamltext
from generator.content.articles import parse_article
from generator.content.config import SiteConfig
from generator.content.quickyaml import read_plain_document
from generator.content.yamltext import YamlSyntaxError, parse_yaml

# Documents in the shape the quick reader takes on; each must come out exactly as PyYAML reads it.
QUICK = [
    'title: "Talks resume"\ndate: 2022-01-09T18:30:00+11:00\ntopics: [Energy, "Côte d\'Ivoire"]\n',
    "title: Côte d'Ivoire wins\nstandfirst: “Curly” quotes, 'single' and \"double\" inside\n",
    "title: 'It''s a quote'\nsource: 'a: b # not a comment'\nalt: \"a: b # not a comment either\"\n",
    "url: https://example.com/a?b=c#frag\nratio: 1:20\ntime: 12:30\n",
    "a: 2022-01-09\nb: 2022-01-09T18:30:00\nc: 2022-01-09T18:30:00Z\nd: 2022-01-09T18:30:00-05:30\n",
    "e: 2022-01-09T18:30:00+00:00\nf: 2022-01-09 18:30:00\ng: 2022-1-9\nh: 2022-01-09T18:30:00.25+01\n",
    "a: yes\nb: No\nc: true\nd: FALSE\ne: off\nf: null\ng: ~\nh: Null\n",
    "i: 0\nj: 0x1f\nk: 017\nl: 1_000\nm: .5\nn: 1e3\no: 1.0e+3\np: .inf\nq: .NaN\nr: .nan\ns: 190:20:30\nt: +12\n",
    "empty:\nspaces:    \nlast:",
    "topics: []\nauthor: [ ]\nlist: [a,b , c ,d]\nmixed: [1, yes, ~, 2022-01-09, 'q''s', \"d\"]\n",
    "image:\n  src: a.jpg\n  alt: ''\n  caption:\n  credit: \"Agency\"\ndraft: false\n",
    "image:\n    src: deep.jpg\n    alt: four spaces\ntitle: after\n",
    "title: Ünïcödé ✓ 日本語 \U0001f600\nnbsp: \u00a0padded\u00a0\n",
    "title: text with trailing spaces   \nquoted: \"  inner spaces  \"   \n",
    "a-b: 1\n_c: 2\nD_e-F: 3\n",
    "title: a [bracket] {brace}, comma\nplain: it's \"quoted\" inside\nstar: a*b&c!d|e>f\n",
    "author: [Priya Raman, Tom Whitfield]\nx: [a b  c, 'd  e']\n",
    "title: x\n\nblank: line above\nimage:\n\n  src: a\n\n  alt: b\n\nlast:\n\n\n",
]

# Documents the quick reader must leave to PyYAML (it returns None); PyYAML still reads them.
GENERAL = [
    "",
    "\n\n",
    "# only a comment\n",
    "title: x # a comment\n",
    "title: x\n# a comment line\n",
    "title:\tx\n",
    "title: \"a\\tb\"\n",  # an escape
    "title: \"unclosed\n",
    "title: a\n  continued\n",
    "title: |\n  block\n",
    "title: >\n  folded\n",
    "a: &x [1, 2]\nb: *x\n",
    "a: !!str 1\n",
    "<<: {a: 1}\nb: 2\n",
    "nested: {a: 1}\n",
    "list:\n- a\n- b\n",
    "list:\n  - a\n  - b\n",
    "a: 1\na: 2\n",  # a duplicate key
    "image:\n  src: a\n  src: b\n",
    "deep:\n  a:\n    b: 1\n",
    "odd:\n  a: 1\n   b: 2\n",
    "  indented: 1\n",
    "yes: key\n",
    "null: key\n",
    "\"quoted key\": 1\n",
    "key with space: 1\n",
    "key : 1\n",
    "key:value\n",
    "title: a: b\n",
    "title: a:\n",
    "title: - a\n",
    "title: ? a\n",
    "title: @at\n",
    "topics: [a, [b]]\n",
    "topics: [a,]\n",
    "topics: [a, b] trailing\n",
    "topics: [a\n  , b]\n",
    "topics: [a: b]\n",
    "topics: [a #b]\n",
    "title: line\rbreak\n",
    "title: next\x85line\n",
    "title: sep\u2028line\n",
    "title: bom\ufeff\n",
    "title: bell\x07\n",
    "title: del\x7f\n",
    "date: 2022-02-30\n",  # an impossible date: PyYAML words the error
    "date: 2022-01-09T18:30:00+24:00\n",
    "- a list\n- at the top\n",
    "just text",
    "---\n",
]


def general_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make parse_yaml leave every document to PyYAML, as it did before the quick reader."""
    monkeypatch.setattr(yamltext, "read_plain_document", lambda text: None)


def assert_same_as_pyyaml(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    quick = parse_yaml(text)
    general_path(monkeypatch)
    full = parse_yaml(text)
    monkeypatch.undo()
    assert quick == full
    assert repr(quick.data) == repr(full.data)  # same types too (1 and True are equal, their reprs are not)


@pytest.mark.parametrize("text", QUICK)
def test_usual_front_matter_is_read_quickly_as_pyyaml_reads_it(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_plain_document(text) is not None
    assert_same_as_pyyaml(text, monkeypatch)
    assert read_plain_document(text)[0] == yaml.load(text, Loader=yaml.CSafeLoader)  # type: ignore[index]


@pytest.mark.parametrize("text", GENERAL)
def test_anything_unusual_is_left_to_pyyaml(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert read_plain_document(text) is None
    try:
        quick = parse_yaml(text)
    except YamlSyntaxError as exc:
        general_path(monkeypatch)
        with pytest.raises(YamlSyntaxError) as full:
            parse_yaml(text)
        assert (exc.line, exc.message) == (full.value.line, full.value.message)
        return
    general_path(monkeypatch)
    assert repr(quick) == repr(parse_yaml(text))


def test_key_lines_name_nested_keys() -> None:
    plain = read_plain_document("title: a\nimage:\n  src: b\n  alt: c\ndraft: true\n")
    assert plain is not None
    assert plain[1] == {"title": 1, "image": 2, "image.src": 3, "image.alt": 4, "draft": 5}


def test_a_time_zone_is_shared_by_equal_offsets() -> None:
    first = read_plain_document("a: 2022-01-09T18:30:00+11:00\n")
    second = read_plain_document("b: 2023-05-01T08:00:00+11:00\n")
    assert first is not None and second is not None
    assert first[0]["a"].tzinfo is second[0]["b"].tzinfo
    assert first[0]["a"] == yaml.load("a: 2022-01-09T18:30:00+11:00", Loader=yaml.CSafeLoader)["a"]


# Pieces of front matter, usual and awkward, for documents made at random.
_KEYS = ["title", "date", "topics", "image", "src", "alt", "a-b", "x_1", "y", "on", "Null", "k"]
_USUAL = [
    "plain text", "Côte d'Ivoire", "“curly”, quoted", "a:b", "a#b", '"dq"', '"d: #q"', "'sq'", "'it''s'", "2022-01-09",
    "2022-01-09T18:30:00+11:00", "2022-01-09T18:30:00", "2022-01-09T18:30:00Z", "2022-01-09T18:30:00-05:30", "1",
    "1.5", "+3", ".5", "yes", "No", "~", "null", "", "", "[]", "[a, b]", "[a, 'b', \"c\"]", "[1, yes]", "[ x y , 2 ]",
    "\u00a0nbsp", "日本", "a  b  ", "https://example.com/a?b#c",
]
_AWKWARD = [
    "a: b", "a #b", "x:", "'bad", '"bad', '"esc\\"', "2022-13-01", "2022-02-30T10:00:00", "2022-01-09 18:30:00 -05",
    "0o17", "-2", "[a,]", "[a, [b]]", "{a: 1}", "|", ">", "&x a", "*x", "!!str 1", "- a", "? a", "@a", "`a", "%a",
    "tab\there", "<<", "=", "[a: b]", "2022-01-09T18:30:00+25:00",
]


def _random_document(rng: random.Random) -> str:
    lines = []
    nested = ""  # the indent of the mapping being filled, if any
    for _ in range(rng.randint(1, 8)):
        indent = nested if nested and rng.random() < 0.8 else rng.choice(["", "", "", "", "", "", "  ", " "])
        key = rng.choice(_KEYS) + rng.choice(["", "", str(rng.randint(1, 9))])
        separator = rng.choice([": ", ":  ", ":", " : "]) if rng.random() < 0.05 else ": "
        value = rng.choice(_USUAL if rng.random() < 0.95 else _AWKWARD)
        if not value and rng.random() < 0.5:
            lines.append(f"{indent}{key}:")
            nested = rng.choice(["  ", "  ", "    ", " "]) if not indent else nested
        else:
            lines.append(f"{indent}{key}{separator}{value}")
            nested = nested if indent else ""
        if rng.random() < 0.03:
            lines.append(rng.choice(["", "# c", "- item", "   "]))
    return "\n".join(lines) + rng.choice(["\n", "", "\n\n"])


def test_random_documents_read_quickly_are_read_as_pyyaml_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    quick = 0
    for _ in range(5000):
        text = _random_document(rng)
        if read_plain_document(text) is None:
            continue
        quick += 1
        assert_same_as_pyyaml(text, monkeypatch)
    assert quick > 500  # the comparison is not vacuous


def test_keys_are_cached_within_bounds() -> None:
    for number in range(1100):
        read_plain_document(f"k{number}: v\n")
    assert len(quickyaml._KEYS) <= 1024


SAMPLE_SITE = Path(__file__).resolve().parents[3] / "content"
ARTICLES = [
    *(path.read_text(encoding="utf-8") for path in sorted(SAMPLE_SITE.glob("**/*.md"))),
    "---\ntitle: T\ndate: 2022-01-09\ntitel: typo\nimage:\n  src: a.jpg\n  capton: typo\n---\nBody\n",
    "---\ntitle: T\ndate: 2022-02-30\n---\nBody\n",
    "---\ntitle: T\ndate: 2022-01-09\ndate: 2022-01-10\n---\nBody\n",
    "---\ntitle:\ndate: yes\ntopics: [a, [b]]\noriginal_url: ftp://x\ndraft: maybe\n---\nBody\n",
    "---\ntitle: [a, b]\ndate: 2022-01-09T10:00:00\nimage:\n  alt: no src\naliases: [/a/, b]\n---\nBody\n",
    "---\ntitle: T # comment\ndate: 2022-01-09T10:00:00Z\nupdated: 2022-01-09 10:00:00 +05\n---\nBody\n",
]


@pytest.mark.parametrize("text", ARTICLES)
def test_articles_and_diagnostics_are_the_same_on_either_path(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = "content/2022/a.md"
    quick = parse_article(path, text, SiteConfig(timezone="Australia/Sydney"))
    general_path(monkeypatch)
    full = parse_article(path, text, SiteConfig(timezone="Australia/Sydney"))
    assert repr(quick) == repr(full)
