"""Page keys (generator/build/pages.py): what a page's key holds, and how an edit finds the keys it changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2

from generator.build.cache import OutputRecord
from generator.build.fingerprint import Fingerprinter
from generator.build.pages import PageJob, key_inputs, page_key, page_keys, render_pages
from generator.model.plan import PageSpec

DIGESTS = {"content/a.md": "1", "content/b.md": "2", "content/c.md": "3"}
URLS = {"content/a.md": "/a/", "content/b.md": "/b/", "content/c.md": "/c/"}

SPECS = [
    PageSpec("a/index.html", "t.html", {}, "content/a.md", ("content/a.md", "content/b.md")),
    PageSpec("b/index.html", "t.html", {}, "content/b.md", ("content/b.md",)),
    PageSpec("c/index.html", "u.html", {}, "content/c.md", ("content/c.md",)),
    PageSpec("index.html", "t.html", {}, "site.yaml", ("content/c.md", "content/b.md", "content/a.md")),
    PageSpec("robots.txt", "u.html", {}, "site.yaml", ()),
    PageSpec("404.html", "t.html", {"x": 1}, "site.yaml", None),
]


def job_of(digests: dict[str, str], structure: str = "s", templates: dict[str, str] | None = None,
           previous: dict[str, OutputRecord] | None = None, specs: list[PageSpec] | None = None,
           urls: dict[str, str] | None = None, shared: str = "") -> PageJob:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": "", "u.html": ""}))
    shown = {**URLS, **(urls or {})}
    return PageJob(specs or SPECS, env, Path("."), Path("out"), Path("stage"), "base",
                   templates or {"t.html": "t", "u.html": "u"}, previous or {}, structure=structure,
                   source_digests=digests, shared=shared, shown_structure=lambda path: (shown.get(path),))


def full_keys(job: PageJob) -> list[str]:
    return [page_key(job, spec, Fingerprinter()) for spec in job.specs]


def built(job: PageJob) -> dict[str, OutputRecord]:
    """The records a build of ``job`` leaves: each page with its full key."""
    return {spec.output: OutputRecord(key, "", 0, 0, spec.source) for spec, key in zip(job.specs, full_keys(job))}


def changed_pages(before: PageJob, after: PageJob) -> list[str]:
    keys = page_keys(dataclasses.replace(after, previous=built(before)), key_inputs(before))
    assert keys == full_keys(after)  # the shortcut gives exactly the keys a full keying gives
    return [spec.output for spec, old, new in zip(after.specs, full_keys(before), keys) if old != new]


def test_an_edit_changes_the_keys_of_the_pages_showing_the_article_and_no_other() -> None:
    assert changed_pages(job_of(DIGESTS), job_of({**DIGESTS, "content/b.md": "2'"})) == [
        "a/index.html", "b/index.html", "index.html"]


def test_a_deleted_article_changes_the_keys_of_the_pages_that_showed_it() -> None:
    gone = {path: d for path, d in DIGESTS.items() if path != "content/c.md"}
    assert changed_pages(job_of(DIGESTS), job_of(gone)) == ["c/index.html", "index.html"]


def test_a_template_change_changes_the_keys_of_its_pages() -> None:
    assert changed_pages(job_of(DIGESTS), job_of(DIGESTS, templates={"t.html": "t", "u.html": "u'"})) == [
        "c/index.html", "robots.txt"]


def test_another_structure_changes_only_the_pages_that_show_it() -> None:
    # Another structure whose change shows on no page (its context and articles as they were) keys
    # every page again and changes none of the keys.
    assert changed_pages(job_of(DIGESTS), job_of(DIGESTS, structure="s'")) == []


def test_a_new_url_changes_the_pages_showing_the_article() -> None:
    moved = job_of(DIGESTS, structure="s'", urls={"content/c.md": "/c2/"})
    assert changed_pages(job_of(DIGESTS), moved) == ["c/index.html", "index.html"]


def test_a_page_whose_context_changes_is_keyed_anew_and_no_other() -> None:
    shifted = [dataclasses.replace(spec, context={"page": 2}) if spec.output == "index.html" else spec
               for spec in SPECS]
    assert changed_pages(job_of(DIGESTS), job_of(DIGESTS, structure="s'", specs=shifted)) == ["index.html"]


def test_the_shared_inputs_change_every_declared_page_key() -> None:
    assert changed_pages(job_of(DIGESTS), job_of(DIGESTS, structure="s'", shared="x")) == [
        s.output for s in SPECS[:5]]


def test_without_a_record_of_their_inputs_every_key_is_made() -> None:
    job = job_of({**DIGESTS, "content/a.md": "1'"}, previous=built(job_of(DIGESTS)))
    assert page_keys(job, None) == full_keys(job)


def test_a_page_the_last_build_did_not_write_is_keyed_where_it_renders(tmp_path: Path) -> None:
    last = built(job_of(DIGESTS))
    del last["index.html"]
    job = job_of(DIGESTS, previous=last)
    keys = page_keys(job, key_inputs(job))
    home = [spec.output for spec in SPECS].index("index.html")
    assert keys[home] is None  # not keyed before the workers start
    assert keys[:home] + keys[home + 1:] == full_keys(job)[:home] + full_keys(job)[home + 1:]
    stage = tmp_path / "out" / "stage"
    stage.mkdir(parents=True)
    rendered = render_pages(dataclasses.replace(job, site_dir=tmp_path, out_dir=tmp_path / "out", stage=stage,
                                                new_output=True), 1)
    record = {result.path: result.record for result in rendered}["index.html"]
    assert record is not None and record.key == full_keys(job)[home]  # keyed as it rendered, with the full key


def test_a_shared_value_is_spelled_once_and_still_told_apart() -> None:
    from generator.build.pages import context_text
    from generator.model.plan import Nav

    fingerprints = Fingerprinter()
    nav, other = Nav("/", "/topics/"), Nav("/", "/subjects/")
    first = context_text({"nav": nav, "entries": ("content/a.md",)}, fingerprints)
    assert context_text({"nav": nav, "entries": ("content/a.md",)}, fingerprints) == first
    assert context_text({"nav": other, "entries": ("content/a.md",)}, fingerprints) != first
    assert context_text({"nav": nav, "entries": ("content/b.md",)}, fingerprints) != first
    # A fresh keying spells the same values alike.
    assert context_text({"nav": Nav("/", "/topics/"), "entries": ("content/a.md",)}, Fingerprinter()) == first
