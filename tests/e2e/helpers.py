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
