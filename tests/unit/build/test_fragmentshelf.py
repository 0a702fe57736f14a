"""The fragment shelf (generator/build/fragmentshelf.py): cards and related items kept between builds."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from generator.build import fragmentshelf
from generator.build.cache import BuildMemo
from generator.build.fragmentshelf import FragmentShelf
from generator.build.pages import PageJob, fragment_shelf

TOKENS = {"content/a.md": "ta", "content/b.md": "tb"}


def shelf(folder: Path, generation: str = "g1", tokens: dict[str, str] | None = None, budget: int = 10_000,
          memo: BuildMemo | None = None) -> FragmentShelf:
    known = TOKENS if tokens is None else tokens
    return FragmentShelf(None if memo else folder, memo, generation, known.get, budget)


def saved(made: FragmentShelf) -> None:
    """What a build does after rendering in its own process: keep what was made, and save it."""
    made.keep(made.take_made())
    made.save()


def files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.pickle"))


def test_what_a_build_makes_the_next_build_finds(tmp_path: Path) -> None:
    first = shelf(tmp_path)
    assert first.get("card", "content/a.md", "000") is None
    first.put("card", "content/a.md", "000", "<a>A</a>")
    first.put("card", "content/a.md", "100", "<a>A lead</a>")
    saved(first)
    second = shelf(tmp_path)
    assert second.get("card", "content/a.md", "000") == "<a>A</a>"
    assert second.get("card", "content/a.md", "100") == "<a>A lead</a>"
    assert second.get("related", "content/a.md", "000") is None  # another template
    assert second.get("card", "content/b.md", "000") is None  # another article


def test_an_article_made_of_something_else_finds_nothing(tmp_path: Path) -> None:
    first = shelf(tmp_path)
    first.put("card", "content/a.md", "", "<a>Old title</a>")
    saved(first)
    assert shelf(tmp_path, tokens={"content/a.md": "ta2"}).get("card", "content/a.md", "") is None
    # Another generation (settings, code, templates, copied files) finds nothing either.
    assert shelf(tmp_path, generation="g2").get("card", "content/a.md", "") is None


def test_an_article_the_build_does_not_know_is_neither_kept_nor_found(tmp_path: Path) -> None:
    first = shelf(tmp_path)
    first.put("card", "content/unknown.md", "", "<a>?</a>")
    assert first.get("card", "content/unknown.md", "") is None
    saved(first)
    assert files(tmp_path) == []


def test_a_build_that_makes_nothing_reads_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = shelf(tmp_path)
    first.put("card", "content/a.md", "", "<a>A</a>")
    saved(first)
    before = files(tmp_path)
    monkeypatch.setattr(fragmentshelf.output, "read_cache_file", lambda path: pytest.fail("read"))
    second = shelf(tmp_path)
    saved(second)
    assert files(tmp_path) == before


def test_each_build_adds_a_file_until_they_are_written_again_as_one(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(fragmentshelf, "MAX_FILES", 3)
    for number in range(3):
        made = shelf(tmp_path, tokens={f"content/{number}.md": f"t{number}"})
        made.put("card", f"content/{number}.md", "", f"<a>{number}</a>")
        saved(made)
    assert len(files(tmp_path)) == 3
    last = shelf(tmp_path, tokens={f"content/{number}.md": f"t{number}" for number in range(4)})
    last.put("card", "content/3.md", "", "<a>3</a>")
    saved(last)
    assert len(files(tmp_path)) == 1
    again = shelf(tmp_path, tokens={f"content/{number}.md": f"t{number}" for number in range(4)})
    assert [again.get("card", f"content/{number}.md", "") for number in range(4)] == ["<a>0</a>", "<a>1</a>",
                                                                                     "<a>2</a>", "<a>3</a>"]


def test_past_its_budget_the_oldest_fragments_are_left_out(tmp_path: Path) -> None:
    tokens = {f"content/{number}.md": f"t{number}" for number in range(6)}
    for number in range(6):
        made = shelf(tmp_path, tokens=tokens, budget=100)
        made.put("card", f"content/{number}.md", "", "x" * 30)
        saved(made)
    kept = shelf(tmp_path, tokens=tokens, budget=100)
    found = [number for number in range(6) if kept.get("card", f"content/{number}.md", "") is not None]
    assert found == [4, 5]  # about 40 characters each, with their keys: two fit, the newest
    assert sum(path.stat().st_size for path in files(tmp_path)) < 400


def test_a_damaged_file_is_a_miss_and_is_written_again(tmp_path: Path) -> None:
    first = shelf(tmp_path)
    first.put("card", "content/a.md", "", "<a>A</a>")
    saved(first)
    (damaged,) = files(tmp_path)
    data = bytearray(damaged.read_bytes())
    data[-5] ^= 0xFF
    damaged.write_bytes(bytes(data))
    second = shelf(tmp_path)
    assert second.get("card", "content/a.md", "") is None
    second.put("card", "content/b.md", "", "<a>B</a>")
    saved(second)
    assert damaged not in files(tmp_path)
    third = shelf(tmp_path)
    assert third.get("card", "content/b.md", "") == "<a>B</a>" and third.get("card", "content/a.md", "") is None


def test_a_worker_hands_what_it_made_to_the_build(tmp_path: Path) -> None:
    build = shelf(tmp_path)
    build.share(2)
    worker = shelf(tmp_path)  # a forked worker's own copy
    worker.share(2)
    worker.put("card", "content/a.md", "", "<a>A</a>")
    worker.put("card", "content/b.md", "", "b" * 6_000)  # past its half of the budget: not kept
    build.keep(worker.take_made())
    assert worker.take_made() == {}
    build.save()
    again = shelf(tmp_path)
    assert again.get("card", "content/a.md", "") == "<a>A</a>" and again.get("card", "content/b.md", "") is None


def test_other_generations_are_removed_past_a_few(tmp_path: Path) -> None:
    for number in range(fragmentshelf.OTHER_GENERATIONS + 3):
        made = shelf(tmp_path, generation=f"g{number}")
        made.put("card", "content/a.md", "", "<a>A</a>")
        saved(made)
    assert len(list(tmp_path.iterdir())) == fragmentshelf.OTHER_GENERATIONS + 1
    assert shelf(tmp_path, generation=f"g{fragmentshelf.OTHER_GENERATIONS + 2}").get("card", "content/a.md", "")


def test_the_dev_server_keeps_its_shelf_in_the_memo(tmp_path: Path) -> None:
    memo = BuildMemo()
    first = shelf(tmp_path, memo=memo)
    first.put("card", "content/a.md", "", "<a>A</a>")
    saved(first)
    assert files(tmp_path) == []
    assert shelf(tmp_path, memo=memo).get("card", "content/a.md", "") == "<a>A</a>"
    assert shelf(tmp_path, memo=memo, generation="g2").get("card", "content/a.md", "") is None


def test_the_generation_holds_the_code_settings_shared_inputs_and_fragment_templates(tmp_path: Path) -> None:
    def generation(templates: dict[str, str], base_key: str = "base", shared: str = "shared") -> str:
        env = jinja2.Environment(loader=jinja2.DictLoader(templates))
        job = PageJob([], env, tmp_path, tmp_path / "out", tmp_path / "stage", base_key, {}, {}, shared=shared)
        return fragment_shelf(job, tmp_path, None).generation

    theme = {"partials/card.html": "{{ entry.title }}", "partials/related-item.html": "{{ entry.url }}",
             "list.html": "{{ entries }}"}
    first = generation(theme)
    assert generation({**theme, "list.html": "{{ page }}"}) == first  # a page template: its own key
    assert len({first, generation({**theme, "partials/card.html": "<b>{{ entry.title }}</b>"}),
                generation({**theme, "partials/related-item.html": "{{ entry.title }}"}),
                generation(theme, base_key="settings 2"), generation(theme, shared="--drafts")}) == 5
