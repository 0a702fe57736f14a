"""parse_yaml builds plain front matter itself: its values and errors must be PyYAML's own."""

from __future__ import annotations

import pytest
import yaml

from generator.content import yamltext
from generator.content.slugs import make_slug
from generator.content.yamltext import YamlSyntaxError, parse_yaml

DOCUMENTS = [
    'title: "Talks resume"\ndate: 2022-01-09T18:30:00+11:00\ntopics: [Energy, "Côte d\'Ivoire"]\n',
    "title: Plain\nimage:\n  src: a.jpg\n  alt: ''\n  caption: ~\ndraft: yes\ncount: 0x1f\nratio: .5\nbig: 1_000\n",
    "updated: 2022-01-09\nnested: {a: [1, {b: 2020-01-01}], c: null}\nempty:\n",
    "a: &x [1, 2]\nb: *x\n",  # an alias: the same node twice
    "<<: {a: 1}\nb: 2\n",  # a merge key
    "=: 1\n",  # the value key
    "a: !!binary aGVsbG8=\nb: !!str 1\nc: !!float '1.5'\nd: !!set {x}\n",
    "1: one\ntrue: yes\n2022-01-09: date key\n",
    "a: 1\na: 2\n",
    "",
    "# only a comment\n",
    "- a list\n- at the top\n",
    "just text",
]

BROKEN = [
    "a: 2022-02-30\nb: {c: 2022-13-01}\n",  # two impossible dates: the error names the first
    "? [a]\n: 1\n",  # an unhashable key
    "a: !foo bar\n",  # an unknown tag
    "a: !!int x\n",
    "a: {b: !!omap [x]}\n",
]


def full_constructor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make parse_yaml leave every document to PyYAML's constructor, as it did before the lean one."""
    monkeypatch.setattr(yamltext, "_construct_document", lambda loader, node, text: loader.construct_document(node))


@pytest.mark.parametrize("text", DOCUMENTS)
def test_values_are_pyyamls(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    lean = parse_yaml(text)
    full_constructor(monkeypatch)
    full = parse_yaml(text)
    assert lean == full
    assert repr(lean.data) == repr(full.data)  # same types too (1 and True are equal, their reprs are not)
    assert lean.data == yaml.load(text, Loader=yaml.CSafeLoader)


@pytest.mark.parametrize("text", BROKEN)
def test_errors_are_pyyamls(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(YamlSyntaxError) as lean:
        parse_yaml(text)
    full_constructor(monkeypatch)
    with pytest.raises(YamlSyntaxError) as full:
        parse_yaml(text)
    assert (lean.value.line, lean.value.message) == (full.value.line, full.value.message)


@pytest.mark.parametrize("stem", ["order-briefing-2279", "2019", "a", "x" * 120, "x" * 121, "a--b", "-a", "a-", "A-b"])
def test_text_in_slug_form_is_its_own_slug(stem: str) -> None:
    from slugify import slugify

    assert make_slug(stem) == slugify(stem, max_length=120, word_boundary=True)


def test_escapes_make_no_character_xml_forbids(monkeypatch: pytest.MonkeyPatch) -> None:
    # YAML refuses such characters written as they are; its escapes make them, and they are removed.
    text = 'title: "bell\\a x\\x01y \\u0002 \\uFFFE\\uffff kept:\\t\\u00e9"\n"k\\x0bey": [&a "\\x0c", *a]\nplain: a\\x01b\n'
    expected = {"title": "bell xy   kept:\té", "key": ["", ""], "plain": "a\\x01b"}
    for loader in (yaml.SafeLoader, yamltext._Loader):
        monkeypatch.setattr(yamltext, "_Loader", loader)
        doc = parse_yaml(text)
        assert (doc.data, doc.key_lines) == (expected, {"title": 1, "key": 2, "plain": 3}), loader
    monkeypatch.setattr(yamltext, "_Loader", yaml.SafeLoader)  # libyaml refuses an escaped surrogate
    assert parse_yaml('a: "x\\ud800y"\n').data == {"a": "xy"}


def _nested_aliases(levels: int, width: int) -> str:
    lines = ['a0: &a0 ["x"]']
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def test_aliases_that_expand_past_the_limit_are_refused_at_the_line_that_passes_it() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("title: Bomb\n" + _nested_aliases(9, 10))  # 10^9 values in ten lines
    assert caught.value.line == 6 and "expand to more than 10,000 values" in caught.value.message


def test_aliases_to_themselves_are_refused() -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml("title: Loop\nloop: &l [1, *l]\n")
    assert caught.value.line == 2


def test_ordinary_aliases_and_asterisks_are_read() -> None:
    assert parse_yaml(_nested_aliases(3, 10)).data["a3"][0][0][0] == ["x"]  # 1,000 values: fine
    assert parse_yaml("title: 5 * 3 = 15\n").data == {"title": "5 * 3 = 15"}


@pytest.mark.parametrize(("text", "line"), [
    ("title: T\ntopics: [Russia, Kazakhstan\nsource: Reuters\n", 2),  # unclosed: PyYAML marks line 3
    ("title: T\nimage: {src: a.jpg, alt: x\ncredit: AFP\n", 2),
    ("a: 1\ntopics: [\n  Russia,\n  Kazakhstan\nb: 2\n", 2),
    ("title: T\ntopics: [Russia, Kazakhstan", 2),  # at the end of the text too
])
def test_an_unclosed_bracket_is_reported_where_it_opens(text: str, line: int) -> None:
    with pytest.raises(YamlSyntaxError) as caught:
        parse_yaml(text)
    assert caught.value.line == line
