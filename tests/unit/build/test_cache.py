from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from markupsafe import Markup

from generator.build import cache, sourcestore
from generator.build.fingerprint import Fingerprinter
from generator.content.articles import parse_article
from generator.content.config import SiteConfig
from generator.content.paths import SitePaths


@dataclass(frozen=True, slots=True)
class Item:
    name: str
    when: dt.datetime
    tags: tuple[str, ...]
    extra: Any = None


WHEN = dt.datetime(2022, 1, 9, 18, 30, tzinfo=dt.timezone(dt.timedelta(hours=11)))


def digest(value: Any) -> str:
    return Fingerprinter().digest(value)


def test_equal_values_give_equal_digests_across_fingerprinters() -> None:
    value = {"page": Item("a", WHEN, ("x", "y")), "items": [Item("b", WHEN, ())], "body": Markup("<p>x</p>" * 200)}
    same = {"page": Item("a", WHEN, ("x", "y")), "items": [Item("b", WHEN, ())], "body": Markup("<p>x</p>" * 200)}
    assert digest(value) == digest(same)


@pytest.mark.parametrize("other", [
    Item("a", WHEN, ("x", "y"), extra=1),
    Item("a", WHEN, ("y", "x")),
    Item("a", WHEN.astimezone(dt.timezone.utc), ("x", "y")),  # same instant, another offset: other text
    Item("ab", WHEN, ("x", "y")),
])
def test_any_field_change_changes_the_digest(other: Item) -> None:
    assert digest(Item("a", WHEN, ("x", "y"))) != digest(other)


def test_types_and_structure_are_part_of_the_digest() -> None:
    assert digest("1") != digest(1)
    assert digest("<b>") != digest(Markup("<b>"))
    assert digest(["a", "b"]) != digest(("a", "b"))
    assert digest(["ab"]) != digest(["a", "b"])
    assert digest({"a": 1, "b": 2}) != digest({"b": 2, "a": 1})  # templates see insertion order
    assert digest(MappingProxyType({"a": [1]})) == digest({"a": [1]})
    assert digest({1, 2, 3}) == digest({3, 2, 1})


def test_a_value_without_a_meaningful_repr_never_matches() -> None:
    thing = object()
    assert digest(thing) != digest(thing)


def test_a_shared_instance_is_digested_once_and_consistently() -> None:
    fingerprints = Fingerprinter()
    shared = Item("a", WHEN, ("x",))
    assert fingerprints.digest([shared, shared]) == Fingerprinter().digest([Item("a", WHEN, ("x",))] * 2)


def test_settings_digest_follows_every_field() -> None:
    assert digest(SiteConfig()) == digest(SiteConfig())
    assert digest(SiteConfig()) != digest(SiteConfig(per_page=5))


def test_an_article_survives_the_cache_round_trip() -> None:
    text = "\ufeff---\ntitle: T\ndate: 2022-01-09\ntopics: [A, B]\nmood: calm\n---\n\nBody *here*.\n"
    article, _ = parse_article("content/a.md", text, SiteConfig())
    assert article is not None
    state = sourcestore.article_state(article, text)
    assert sourcestore.restore_article(state, text) == article
    assert sourcestore.restore_article(state, None).body == ""


def test_every_field_of_an_article_survives_the_round_trip() -> None:
    text = ("---\ntitle: T\ndate: 2022-01-09T10:00:00+11:00\nupdated: 2022-01-10\nstandfirst: S\ntopics: [A, B]\n"
            "source: Wire\nauthor: [X, Y]\noriginal_url: https://example.com/a\nimage:\n  src: a.jpg\n  alt: Alt\n"
            "  caption: Cap\n  credit: Cred\nslug: the-slug\naliases: [/old/]\ndraft: true\nmood: calm\n"
            "corrections:\n  - {date: 2022-01-11, text: Fixed a name}\nupdates:\n  - date: 2022-01-12T08:00:00\n    text: More\n"
            "---\nBody\n")
    article, _ = parse_article("content/a.md", text, SiteConfig())
    assert article is not None
    state = sourcestore.article_state(article, text)
    assert len(state[1]) == len(dataclasses.fields(article)) - 1  # every field but the body
    restored = sourcestore.restore_article(state, text)
    assert restored == article
    for field in dataclasses.fields(article):
        assert repr(getattr(restored, field.name)) == repr(getattr(article, field.name))
    assert restored.extra == {"mood": "calm"} and restored.image is not None and restored.image.credit == "Cred"
    assert [n.text for n in restored.corrections + restored.updates] == ["Fixed a name", "More"]


def test_articles_with_the_same_key_lines_share_them_read_only() -> None:
    first, _ = parse_article("content/a.md", "---\ntitle: A\ndate: 2022-01-09\n---\nBody\n", SiteConfig())
    second, _ = parse_article("content/b.md", "---\ntitle: B\ndate: 2022-01-10\n---\nOther\n", SiteConfig())
    assert first is not None and second is not None
    one, other = sourcestore.article_state(first, ""), sourcestore.article_state(second, "")
    assert one[1][-1] is other[1][-1]
    restored = sourcestore.restore_article(one, None)
    assert restored.lines == {"title": 2, "date": 3}
    with pytest.raises(TypeError):
        restored.lines["title"] = 5  # type: ignore[index]
    assert sourcestore.restore_article(other, None).lines == {"title": 2, "date": 3}


def test_repeated_topics_and_sources_travel_once_per_batch() -> None:
    import pickle

    texts = [f"---\ntitle: {n}\ndate: 2022-01-09\ntopics: [Energy, Côte d'Ivoire]\nsource: Wire\n---\nBody\n"
             for n in ("A", "B")]
    articles = [parse_article(f"content/{n}.md", text, SiteConfig())[0] for n, text in enumerate(texts)]
    states = [sourcestore.article_state(article, text) for article, text in zip(articles, texts) if article is not None]
    first, second = [sourcestore.restore_article(s, None) for s in pickle.loads(pickle.dumps(states))]
    assert first.topics == ("Energy", "Côte d'Ivoire") and first.topics is second.topics
    assert first.source == "Wire" and first.source is second.source
    assert (first.title, second.title) == ("A", "B")


@pytest.mark.parametrize("damage", [
    lambda d: d[: len(d) // 2], lambda d: d[:-1], lambda d: b"", lambda d: d[:4] + b"0" * 8 + d[12:],
    lambda d: d[:-3] + bytes([d[-3] ^ 1]) + d[-2:], lambda d: b"NBC2" + d[4:], lambda d: b"garbage",
])
def test_a_damaged_cache_file_reads_as_missing(damage: Any) -> None:
    data = cache.pack({"records": {"a": (1, 2)}})
    assert cache.unpack(data) == {"records": {"a": (1, 2)}}
    assert cache.unpack(damage(data)) is None


def test_the_source_store_saves_only_what_it_holds_and_forgets_deleted_files(tmp_path: Path) -> None:
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, None)
    store.put("content/a.md", cache.SourceRecord("d1", "k", None, (), None))
    store.put("content/b.md", cache.SourceRecord("d2", "k", None, (), None))
    store.save()
    again = sourcestore.SourceStore(paths, None)
    assert set(again.records) == {"content/a.md", "content/b.md"}
    again.retain({"content/a.md"})
    again.save()
    assert set(sourcestore.SourceStore(paths, None).records) == {"content/a.md"}


def test_an_article_put_with_its_state_is_saved_from_it_and_reads_back_equal(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    text = "---\ntitle: T\ndate: 2022-01-09\ntopics: [A, B]\nauthor: X\n---\n\nBody.\n"
    article, _ = parse_article("content/a.md", text, SiteConfig())
    assert article is not None
    state = sourcestore.article_state(article, text)
    parsed = (state[0], sourcestore.restore_article(state, None))
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, None)
    store.put("content/a.md", cache.SourceRecord("d1", "k", parsed, (), None), state)
    store.put("content/b.md", cache.SourceRecord("d2", "k", parsed, (), None))  # no state: made when saved
    made: list[str] = []
    real = sourcestore.article_state
    monkeypatch.setattr(sourcestore, "article_state", lambda a, *rest: made.append(a.path) or real(a, *rest))
    store.save()
    assert made == ["content/a.md"]  # for b.md's record only (its article has a.md's path)
    again = sourcestore.SourceStore(paths, None).records
    for path in ("content/a.md", "content/b.md"):
        record = again[path]
        assert record.parsed is not None and record.parsed[1] == parsed[1] and record.parsed[0] == parsed[0]


def test_a_memo_is_used_instead_of_the_files(tmp_path: Path) -> None:
    memo = cache.BuildMemo()
    paths = SitePaths.for_site(tmp_path)
    store = sourcestore.SourceStore(paths, memo)
    store.put("content/a.md", cache.SourceRecord("d1", "k", None, (), None))
    store.save()
    for shard in paths.sources_cache.iterdir():
        shard.write_bytes(b"damaged")
    assert set(sourcestore.SourceStore(paths, memo).records) == {"content/a.md"}
    assert sourcestore.SourceStore(paths, None).records == {}


def test_a_stored_body_renders_where_a_page_names_it_and_fails_loudly_if_printed_as_it_is(tmp_path: Path) -> None:
    import jinja2
    import lz4.block

    from generator.build.pages import PageJob, render_pages
    from generator.content.config import SiteConfig
    from generator.model.body import RenderedBody, StoredHtml
    from generator.model.plan import ArticleBody, PageSpec

    html = "<p>Body \u201cquoted\u201d</p>".encode("utf-8")
    body = StoredHtml(lz4.block.compress(html), "digest of the html")
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "{{ body }}", "n.html": "{{ holder.body }}"}),
                             autoescape=True)
    stage = tmp_path / "out" / "stage"
    stage.mkdir(parents=True)
    specs = [PageSpec("a.html", "t.html", {"body": ArticleBody("content/a.md")}, "content/a.md"),
             PageSpec("b.html", "n.html", {"holder": {"body": body}}, "content/b.md")]
    job = PageJob(specs, env, tmp_path, tmp_path / "out", stage, "base", {"t.html": "1", "n.html": "2"}, {},
                  config=SiteConfig(), bodies={"content/a.md": RenderedBody(body, "")})
    first, second = render_pages(job, 1)
    assert first.status == "staged" and (stage / "a.html").read_text() == "<p>Body \u201cquoted\u201d</p>"
    assert second.status == "error" and "stored article body reached a template" in second.diagnostics[0].message


def test_compiled_templates_are_kept_checked_against_their_source_and_survive_damage(tmp_path: Path) -> None:
    import jinja2

    from generator.build.reading import CompiledTemplates
    from generator.content.paths import SitePaths

    paths = SitePaths.for_site(tmp_path)
    layouts = tmp_path / "layouts"
    layouts.mkdir()
    (layouts / "t.html").write_text("Hello {{ name }}")

    def environment() -> jinja2.Environment:
        return jinja2.Environment(loader=jinja2.FileSystemLoader(str(layouts)),
                                  bytecode_cache=CompiledTemplates(paths))

    assert environment().get_template("t.html").render(name="a") == "Hello a"
    kept = list((paths.cache_dir / "templates").iterdir())
    assert len(kept) == 1
    compiled: list[str] = []
    env = environment()
    original = env.compile
    env.compile = lambda *args, **kwargs: compiled.append("x") or original(*args, **kwargs)  # type: ignore[method-assign]
    assert env.get_template("t.html").render(name="b") == "Hello b" and compiled == []  # loaded, not compiled
    (layouts / "t.html").write_text("Bye {{ name }}")
    assert environment().get_template("t.html").render(name="c") == "Bye c"  # a changed source compiles again
    kept[0].write_bytes(b"damaged")
    assert environment().get_template("t.html").render(name="d") == "Bye d"
