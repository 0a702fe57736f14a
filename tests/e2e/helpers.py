"""Helpers for end-to-end tests: write articles, build, read pages back as trees."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml

from tests.conftest import run_cli
from tests.htmltree import Element, parse_file


def front(fields: dict[str, Any], body: str = "Body.\n") -> str:
    """Return an article file: ``fields`` dumped as YAML front matter, then ``body``.

    Dates given as text are written unquoted, so YAML reads them as dates the way an author's would.
    """
    plain = {k: v for k, v in fields.items() if k not in ("date", "updated")}
    lines = ["---"]
    for key in ("date", "updated"):
        if key in fields:
            lines.append(f"{key}: {fields[key]}")
    if plain:
        lines.append(yaml.safe_dump(plain, allow_unicode=True, sort_keys=False, width=1000).rstrip("\n"))
    return "\n".join(lines) + "\n---\n" + body


def build(site: Path, *args: str) -> int:
    """Build ``site`` with the CLI; return the exit status."""
    return run_cli("build", "--site", str(site), *args)


def output_file(out: Path, url_path: str) -> Path:
    """Return the file serving a site-root-relative URL path such as /2022/01/a/."""
    rel = url_path.lstrip("/")
    return out / (rel + "index.html" if rel == "" or rel.endswith("/") else rel)


def page(out: Path, url_path: str) -> Element:
    """Return the parsed page at ``url_path`` (relative to the site root)."""
    path = output_file(out, url_path)
    assert path.is_file(), f"no page at {url_path}: {sorted(p.relative_to(out).as_posix() for p in out.rglob('*.html'))}"
    return parse_file(path)


CACHE = ".newsbite-cache"


def snapshot(root: Path, skip: tuple[Path, ...] = ()) -> dict[str, bytes | None]:
    """Return every file and folder below ``root`` (folders as None), except those below ``skip``.

    A site's build cache (``<site>/.newsbite-cache/``) is the one place outside its output a build
    may write (SPEC section 8), so it is left out too.
    """
    found: dict[str, bytes | None] = {}
    if not root.exists():
        return found
    for path in sorted(root.rglob("*")):
        if any(path == s or path.is_relative_to(s) for s in skip) or CACHE in path.relative_to(root).parts:
            continue
        found[path.relative_to(root).as_posix()] = path.read_bytes() if path.is_file() and not path.is_symlink() else None
    return found


def position(doc: Element, el: Element) -> int:
    """Return the document-order index of ``el``."""
    for index, node in enumerate(doc.iter()):
        if node is el:
            return index
    raise AssertionError(f"<{el.tag}> is not in the document")


def containing(doc: Element, tag: str, text: str) -> Element:
    """Return the first ``tag`` element whose text contains ``text``."""
    for el in doc.find_all(tag):
        if text in el.text:
            return el
    raise AssertionError(f"no <{tag}> containing {text!r}")


def in_head(doc: Element, tag: str, **attrs: str) -> list[Element]:
    head = doc.find("head")
    assert head is not None
    return head.find_all(tag, **attrs)


SAMPLE_SITE = Path(__file__).resolve().parents[2]


def copy_sample_site(dest: Path) -> Path:
    """Copy the repository's sample site (content/ and site.yaml) to ``dest``; return it."""
    shutil.copytree(SAMPLE_SITE / "content", dest / "content")
    shutil.copy(SAMPLE_SITE / "site.yaml", dest / "site.yaml")
    return dest


BRIEFING_TOPICS = ["Kazakhstan", "Energy", "Vladimir Putin", "Elections", "Trade", "Côte d'Ivoire"]


def numbered_briefing(n: int, varied: bool = False) -> str:
    """Return article ``n`` of the incremental tests' site (``a{n:03d}.md``): two topics each,
    every ninth links to the one before and to a map, curly and straight quotes in the text.

    ``varied`` adds what the fast path must also carry: an image on every tenth, an alias on
    every eleventh, and articles 40 and 41 on the same date (their titles decide the order).
    """
    topics = [BRIEFING_TOPICS[n % len(BRIEFING_TOPICS)], BRIEFING_TOPICS[(n * 7 + 1) % len(BRIEFING_TOPICS)]]
    link = f"\nSee [the earlier one](a{n - 1:03d}.md) and [the map](map.svg).\n" if n % 9 == 0 and n else ""
    image = ("image:\n  src: map.svg\n  alt: A map\n  caption: The first caption\n  credit: Desk\n"
             if varied and n % 10 == 4 else "")
    aliases = f"aliases: [/old/{n}/]\n" if varied and n % 11 == 5 else ""
    day, hour, minute = (30, 12, 0) if varied and n in (40, 41) else (1 + n % 28, n % 24, n % 60)
    return (
        f"---\ntitle: \"Briefing {n}: talks on \u2018{topics[0]}\u2019\"\n"
        f"date: 2022-01-{day:02d}T{hour:02d}:{minute:02d}:00+00:00\n"
        f"standfirst: {'Short standfirst ' + str(n) if n % 3 else ''}\n"
        f"topics: [{', '.join(repr(t) for t in topics)}]\n"
        f"{image}{aliases}"
        f"source: Wire\n---\n\n"
        f"First paragraph of briefing {n} -- with \"quotes\".\n\n## Details\n\nMore text {n}.\n{link}"
    )


def file_tree(root: Path) -> dict[str, bytes]:
    """Return every file under ``root`` (relative POSIX path -> bytes), to compare whole outputs."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


PHOTOS = Path(__file__).parents[1] / "photos"
# A real photograph (a storm over a motorway, 1000 x 667, from Debian's mate-backgrounds): sites
# whose pages show a picture need one their build can decode.
PHOTO = (PHOTOS / "storm.jpg").read_bytes()
# Another, as PNG: a test that needs one of each makes it from the JPEG.
PHOTO_PNG = (PHOTOS / "raindrops.png").read_bytes()
