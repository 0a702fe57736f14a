"""The built-in theme as a site's author sees it: its templates, what each is for, the blocks
``base.html`` offers, and copies into a site's ``layouts/`` (``newsbite layouts``, SPEC section 13)."""

from __future__ import annotations

import logging
import re
import shutil
from pathlib import Path
from typing import NamedTuple

from generator.content.paths import DEFAULT_LAYOUTS

log = logging.getLogger(__name__)

# A template says what it is for in its first Jinja comment: {#- Home page and topic pages. ... -#}
_PURPOSE = re.compile(r"\{#-?\s*(.*?)\s*-?#\}", re.DOTALL)
_BLOCK = re.compile(r"\{%-?\s*block\s+(\w+)")
_RENDERED = (".html", ".xml", ".txt")


class ThemeFile(NamedTuple):
    """One file of the built-in theme: its name under layouts/, what it is for, the blocks it defines."""

    name: str
    purpose: str
    blocks: tuple[str, ...]


def _purpose(text: str) -> str:
    match = _PURPOSE.search(text)
    if match is None:
        return ""
    first = " ".join(match.group(1).split())
    # The first sentence: what the template is for; the rest (its context) is for its readers.
    return re.split(r"(?<=\.)\s", first, maxsplit=1)[0]


def theme_templates(theme: Path = DEFAULT_LAYOUTS) -> list[ThemeFile]:
    """Return the built-in templates, sorted by name, each with its purpose and blocks."""
    found = []
    for path in sorted(theme.rglob("*")):
        name = path.relative_to(theme).as_posix()
        if not path.is_file() or name.startswith("static/") or not name.endswith(_RENDERED):
            continue
        text = path.read_text(encoding="utf-8")
        found.append(ThemeFile(name, _purpose(text), tuple(dict.fromkeys(_BLOCK.findall(text)))))
    return found


def theme_static_files(theme: Path = DEFAULT_LAYOUTS) -> list[str]:
    """Return the built-in static files (stylesheet, scripts, icons) by name under layouts/, sorted."""
    static = theme / "static"
    return sorted(p.relative_to(theme).as_posix() for p in static.rglob("*") if p.is_file())


def theme_file(name: str, theme: Path = DEFAULT_LAYOUTS) -> Path | None:
    """Return the built-in file ``name`` (as ``theme_templates`` or ``theme_static_files`` name it), or None."""
    known = {t.name for t in theme_templates(theme)} | set(theme_static_files(theme))
    return theme / name if name in known else None


def copy_theme_file(name: str, site_dir: Path, theme: Path = DEFAULT_LAYOUTS) -> Path:
    """Copy the built-in file ``name`` into the site's layouts/; return the copy's path.

    Raise LookupError for a name the theme does not have, FileExistsError rather than overwrite.
    """
    source = theme_file(name, theme)
    if source is None:
        raise LookupError(name)
    target = site_dir / "layouts" / name
    if target.exists():
        raise FileExistsError(str(target))
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target
