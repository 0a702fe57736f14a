"""Page keys (generator/build/pages.py): what a page's key holds, and how an edit finds the keys it changes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import jinja2

from generator.build.pages import PageJob, page_key, page_keys
from generator.build.fingerprint import Fingerprinter
from generator.model.plan import PageSpec

DIGESTS = {"content/a.md": "1", "content/b.md": "2", "content/c.md": "3"}


def job_of(specs: list[PageSpec], digests: dict[str, str], structure: str = "s") -> PageJob:
    env = jinja2.Environment(loader=jinja2.DictLoader({"t.html": ""}))
    return PageJob(specs, env, Path("."), Path("out"), Path("stage"), "base", {"t.html": "t"}, {},
                   structure=structure, source_digests=digests)


SPECS = [
    PageSpec("a/index.html", "t.html", {}, "content/a.md", ("content/a.md", "content/b.md")),
    PageSpec("b/index.html", "t.html", {}, "content/b.md", ("content/b.md",)),
    PageSpec("c/index.html", "t.html", {}, "content/c.md", ("content/c.md",)),
    PageSpec("index.html", "t.html", {}, "site.yaml", ("content/c.md", "content/b.md", "content/a.md")),
    PageSpec("404.html", "t.html", {"x": 1}, "site.yaml", None),
]


def full_keys(job: PageJob) -> list[str]:
    return [page_key(job, spec, Fingerprinter()) for spec in job.specs]


def test_an_edit_changes_the_keys_of_the_pages_showing_the_article_and_no_other() -> None:
    first = page_keys(job_of(SPECS, DIGESTS))
    edited = job_of(SPECS, {**DIGESTS, "content/b.md": "2'"})
    again = page_keys(edited, first)
    assert again.keys == full_keys(edited)
    changed = [spec.output for spec, old, new in zip(SPECS, first.keys, again.keys) if old != new]
    assert changed == ["a/index.html", "b/index.html", "index.html"]


def test_a_deleted_article_changes_the_keys_of_the_pages_that_showed_it() -> None:
    first = page_keys(job_of(SPECS, DIGESTS))
    gone = job_of(SPECS, {path: d for path, d in DIGESTS.items() if path != "content/c.md"})
    again = page_keys(gone, first)
    assert again.keys == full_keys(gone)
    assert [s.output for s, o, n in zip(SPECS, first.keys, again.keys) if o != n] == ["c/index.html", "index.html"]


def test_keys_are_made_again_for_another_plan_or_other_inputs() -> None:
    first = page_keys(job_of(SPECS, DIGESTS))
    # Another structure changes the key of every page that declares what it shows; an equal but
    # other list of pages is keyed afresh.
    restructured = job_of(SPECS, DIGESTS, structure="s'")
    assert page_keys(restructured, first).keys == full_keys(restructured)
    assert all(old != new for old, new in zip(first.keys[:4], page_keys(restructured, first).keys))
    other_plan = job_of(list(SPECS), {**DIGESTS, "content/a.md": "1'"})
    assert page_keys(other_plan, first).keys == full_keys(other_plan)
    retemplated = dataclasses.replace(job_of(SPECS, DIGESTS), template_keys={"t.html": "t'"})
    assert page_keys(retemplated, first).keys == full_keys(retemplated) != first.keys
