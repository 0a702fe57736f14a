"""The search index in parts (issue 11, SPEC section 12): an edit re-indexes only its part, a sequence
of edits gives a clean build's bundle, and a Pagefind failure leaves the last output alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from generator.build.options import BuildOptions
from generator.build.site import BuildResult, build_site
from generator.diagnostics import BuildError
from generator.publish import search
from tests.e2e.helpers import file_tree, numbered_briefing, snapshot

ARTICLES = 48
PAGES_PER_PART = 6  # 48 article pages in 8 parts, as 10,000 are in 32


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(search, "PAGES_PER_PART", PAGES_PER_PART)


def briefings(make_site) -> Path:  # type: ignore[no-untyped-def]
    return make_site({f"content/a{n:03d}.md": numbered_briefing(n) for n in range(ARTICLES)})  # type: ignore[no-any-return]


def build(site: Path, out: Path) -> BuildResult:
    return build_site(BuildOptions(site_dir=site, output_dir=out, jobs=2))


def bundle(out: Path) -> dict[str, bytes]:
    return {rel: data for rel, data in file_tree(out).items() if rel.startswith(search.BUNDLE_DIR + "/")}


def edit(site: Path, n: int, words: str) -> None:
    path = site / f"content/a{n:03d}.md"
    path.write_text(path.read_text(encoding="utf-8").replace("More text", words), encoding="utf-8")


def clean_bundle(site: Path, scratch: Path) -> dict[str, bytes]:
    shutil.copytree(site, scratch / "site", ignore=shutil.ignore_patterns(".newsbite-cache"))
    build(scratch / "site", scratch / "out")
    return bundle(scratch / "out")


def test_the_index_is_in_parts_listed_for_the_search_page(make_site) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    result = build(site, site / "public")
    assert result.reindexed == ARTICLES
    listing = search.listed_parts((site / "public" / search.PARTS_FILE).read_bytes())
    assert listing == [f"parts/{n:02d}/" for n in range(1, 8)]
    for folder in listing:
        part = site / "public/pagefind" / folder
        assert (part / "pagefind-entry.json").is_file() and list((part / "fragment").iterdir())
        assert not (part / "pagefind.js").exists()  # the first part's scripts serve every part
    again = build(site, site / "public")
    assert (again.reindexed, again.written) == (0, 0)


def test_an_edit_rewrites_only_its_part(make_site) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    build(site, site / "public")
    before = bundle(site / "public")
    edit(site, 7, "Zanzibar quartermasters")
    result = build(site, site / "public")
    after = bundle(site / "public")
    changed = {rel for rel in before.keys() | after.keys() if before.get(rel) != after.get(rel)}
    folder = search.part_folder(search.part_of("2022/01/a007/index.html", 8))
    assert result.reindexed == len([n for n in range(ARTICLES)
                                    if search.part_of(f"2022/01/a{n:03d}/index.html", 8) ==
                                    search.part_of("2022/01/a007/index.html", 8)])
    assert changed and all(rel.removeprefix(folder + "/").count("/") <= 1 and rel.startswith(folder + "/")
                           for rel in changed), sorted(changed)
    assert len(changed) < len(after) / 10


def test_a_sequence_of_edits_gives_a_clean_builds_bundle(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    out = site / "public"
    build(site, out)
    edit(site, 3, "Zanzibar quartermasters")
    build(site, out)
    edit(site, 30, "Orinoco ferrymen")
    (site / "content/a011.md").unlink()
    build(site, out)
    (site / "content/a100.md").write_text(numbered_briefing(100), encoding="utf-8")
    edit(site, 3, "Tasman lighthouses")
    build(site, out)
    assert bundle(out) == clean_bundle(site, tmp_path / "clean")


def test_growing_past_a_part_size_splits_the_index_again(make_site, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    out = site / "public"
    build(site, out)
    for n in range(ARTICLES, ARTICLES + 2):  # 50 pages: 16 parts of about 3
        (site / f"content/a{n:03d}.md").write_text(numbered_briefing(n), encoding="utf-8")
    result = build(site, out)
    assert result.reindexed == ARTICLES + 2
    assert len(search.listed_parts((out / search.PARTS_FILE).read_bytes())) > 7  # was 7: 8 parts
    assert bundle(out) == clean_bundle(site, tmp_path / "clean")


@pytest.mark.parametrize("script", ["#!/bin/sh\necho 'index panicked' >&2\nexit 3\n", None])
def test_a_failing_pagefind_keeps_the_last_output(make_site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
                                                   script: str | None) -> None:
    site = briefings(make_site)
    out = site / "public"
    build(site, out)
    before = snapshot(out)
    fake = tmp_path / "bin/pagefind"
    if script is not None:  # else Pagefind is missing
        fake.parent.mkdir()
        fake.write_text(script)
        fake.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: fake)
    edit(site, 7, "Zanzibar quartermasters")
    with pytest.raises(BuildError) as caught:
        build(site, out)
    message = str(caught.value.diagnostics[0])
    if script is None:
        assert message.startswith("site.yaml:1: Pagefind is missing: " + str(fake))
    else:
        assert "Pagefind failed to index search part" in message and "index panicked" in message
    assert snapshot(out) == before


def test_indexing_reports_progress_like_the_other_stages(make_site) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    told: list[tuple[str, int, int]] = []
    build_site(BuildOptions(site_dir=site, jobs=2, progress=lambda *step: told.append(step)))
    steps = [(done, total) for stage, done, total in told if stage == "Indexing search"]
    assert [done for done, _ in steps] == list(range(1, ARTICLES + 1))
    assert {total for _, total in steps} == {ARTICLES}
    edit(site, 7, "Zanzibar quartermasters")
    told.clear()
    result = build_site(BuildOptions(site_dir=site, jobs=2, progress=lambda *step: told.append(step)))
    assert [total for stage, _, total in told if stage == "Indexing search"][-1] == result.reindexed < ARTICLES


def test_a_new_briefing_reindexes_its_part_not_those_whose_related_list_changed(make_site) -> None:  # type: ignore[no-untyped-def]
    site = briefings(make_site)
    (site / "content/a047.md").unlink()  # 47 briefings, and 48 with the new one: 8 parts all along
    out = site / "public"
    build(site, out)
    before = file_tree(out)
    (site / "content/a100.md").write_text(numbered_briefing(100), encoding="utf-8")
    result = build(site, out)
    after = file_tree(out)
    pages = [rel for rel in after if rel.startswith("2022/01/a0") and before.get(rel) != after[rel]]
    assert pages, "the new briefing should show in other briefings' related lists"
    own = search.part_of("2022/01/a100/index.html", 8)
    assert {search.part_of(rel, 8) for rel in pages} - {own}, "some changed briefing should be in another part"
    assert result.reindexed == 1 + len([n for n in range(ARTICLES - 1)
                                        if search.part_of(f"2022/01/a{n:03d}/index.html", 8) == own])
