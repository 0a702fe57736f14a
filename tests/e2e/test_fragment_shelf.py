"""Cards and related items kept between runs of ``newsbite build`` (build/fragmentshelf.py).

A page rendering again prints the cards an earlier build made, from ``.newsbite-cache/fragments/``,
and never one whose article or settings changed since: after each step the output must equal a
clean build's, byte for byte, and a damaged shelf only costs time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from generator.build.cache import pack, unpack
from generator.build.site import BuildResult, build_site
from generator.content.paths import SitePaths
from tests.e2e.helpers import build
from tests.e2e.test_edit_rebuilds import A, checked_step, edit, options, site

__all__ = ["site"]  # the fixture

NEWEST = A.format(27)  # 2022-01-28: the lead of the home page


def cli_step(site: Path, out: Path, scratch: Path, change: Callable[[Path], object]) -> BuildResult:
    """Apply ``change``, build as ``newsbite build`` does (no memo: only the site's cache is shared
    between runs), and check the output against a clean build."""
    return checked_step(site, out, scratch, change, lambda: build_site(options(site, out)))  # type: ignore[arg-type]


def shelf_files(site: Path) -> list[Path]:
    return sorted(SitePaths.for_site(site).fragments_cache.rglob("*.pickle"))


def home(out: Path) -> str:
    return (out / "index.html").read_text(encoding="utf-8")


def new_article(site: Path, number: int) -> None:
    (site / "content" / "2022" / f"new{number}.md").write_text(
        f"---\ntitle: New {number}\ndate: 2022-01-29T0{number}:00:00+00:00\ntopics: [Energy]\n---\n\nNew.\n",
        encoding="utf-8")


def test_list_pages_print_the_shelved_cards(site: Path, tmp_path: Path) -> None:
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    assert build(site, "--output", str(out), "--no-search", "--jobs", "1") == 0
    assert shelf_files(site)
    # Mark every kept card: a page that prints the shelf's cards shows the mark.
    for path in shelf_files(site):
        generation, fragments = unpack(path.read_bytes())
        marked = {key: html.replace("card-title", "card-title shelved") for key, html in fragments.items()}
        path.write_bytes(pack((generation, marked)))
    new_article(site, 1)  # every home page moves down one
    assert build(site, "--output", str(out), "--no-search", "--jobs", "1") == 0
    page = home(out)
    assert page.count("card-title shelved") == page.count("card-title") - 1  # all but the new one's


def test_a_changed_article_never_shows_its_shelved_card(site: Path, tmp_path: Path) -> None:
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    build_site(options(site, out))
    assert "Briefing 27: talks" in home(out) and "Briefing 26: talks" in home(out)
    result = cli_step(site, out, scratch, lambda s: edit(s / NEWEST, 'title: "Briefing 27', 'title: "Renamed 27'))
    assert "index.html" in result.written_files
    assert "Renamed 27" in home(out) and "Briefing 27: talks" not in home(out)
    # A new article moves the home pages down: they print the shelf's cards, the renamed one's as it is now.
    cli_step(site, out, scratch, lambda s: new_article(s, 1))
    assert "Renamed 27" in home(out) and "Briefing 27: talks" not in home(out)
    # Back to the old title: its old card again, as a clean build shows it.
    cli_step(site, out, scratch, lambda s: edit(s / NEWEST, 'title: "Renamed 27', 'title: "Briefing 27'))
    assert "Briefing 27: talks" in home(out)
    # Another source for an article on the home page, its card's link to it included.
    cli_step(site, out, scratch, lambda s: edit(s / A.format(26), "source: Wire", "source: Agency"))
    assert 'href="/news/sources/agency/"' in home(out)
    # The site's own card template: another generation of the shelf.
    cli_step(site, out, scratch, lambda s: (s / "layouts" / "partials").mkdir(parents=True) or (
        s / "layouts" / "partials" / "card.html").write_text("<p class=own>{{ entry.title }}</p>\n"))
    assert "<p class=own>New 1</p>" in home(out)


def test_a_damaged_shelf_only_costs_time(site: Path, tmp_path: Path) -> None:
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    build_site(options(site, out))
    (kept,) = shelf_files(site)
    data = bytearray(kept.read_bytes())
    data[len(data) // 2] ^= 0x20  # one character of some card's HTML, under an intact pickle
    kept.write_bytes(bytes(data))
    cli_step(site, out, scratch, lambda s: new_article(s, 1))
    assert kept not in shelf_files(site)  # written again whole
    for path in shelf_files(site):
        path.write_bytes(path.read_bytes()[:100])  # cut short
    cli_step(site, out, scratch, lambda s: new_article(s, 2))
    cli_step(site, out, scratch, lambda s: edit(s / NEWEST, "More text 27.", "More text 27!"))
