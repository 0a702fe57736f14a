"""A new site's files: what ``newsbite init`` writes (SPEC section 13), and what makes a folder a site."""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from generator.content.slugs import make_slug

log = logging.getLogger(__name__)

# What marks a folder as a site: a build, serve or check anywhere else is most likely a mistyped
# folder, and publishing an empty site there would hide that.
SITE_MARKERS = ("site.yaml", "content")
GITIGNORE_LINES = ("public/", ".newsbite-cache/")
FIRST_TITLE = "Welcome to your briefings"


def is_site(folder: Path) -> bool:
    """Return whether ``folder`` holds a site.yaml or a content/ folder."""
    return any((folder / marker).exists() for marker in SITE_MARKERS)


def local_timezone() -> str:
    """Return this machine's IANA timezone name (the TZ variable, then /etc/localtime), or UTC."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    try:
        candidates.append(os.path.realpath("/etc/localtime").partition("/zoneinfo/")[2])
    except OSError:
        pass
    try:
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    except OSError:
        pass
    for name in candidates:
        if not name or name.startswith("/"):
            continue
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
        return name
    return "UTC"


def site_title(folder: Path) -> str:
    """Return a title made from the folder's name ('evening-news' -> 'Evening News'), or 'NewsBite'."""
    words = re.split(r"[-_.\s]+", folder.resolve().name)
    title = " ".join(w[:1].upper() + w[1:] for w in words if w)
    return title if make_slug(title) else "NewsBite"


def _yaml_text(value: str) -> str:
    # A double-quoted YAML scalar: safe for any title, colons and quotes included.
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def site_yaml(title: str, timezone: str) -> str:
    """Return a commented site.yaml holding the settings every new site should look at."""
    return f"""\
# This site's settings. Every key has a default; NewsBite's README lists them all.
title: {_yaml_text(title)}
# The address the site will be published at. A subpath works too: https://example.org/briefings/
base_url: https://example.org/
# The pages' language: it sets the theme's words and the date format (en, de, fr, es, it, pt, ...).
language: en
# Dates written without an offset are read in this zone, and every date is shown in it.
timezone: {timezone}
# Shown on the home page and in its description for search engines.
description: Short, sharp briefings on the stories that matter.
# Articles per page on the home page and topic pages.
per_page: 20
# Any word of the theme can be changed by its key (the README lists the keys), for example:
# strings:
#   latest_briefings: Today's briefings
"""


def first_article(now: dt.datetime) -> str:
    """Return the text of the first article, dated ``now``: it shows how a briefing is written."""
    return f"""\
---
title: {FIRST_TITLE}
date: {now.isoformat(timespec="seconds")}
standfirst: This is your first briefing. Edit it, or write the next one with newsbite new.
topics: [Getting started]
source: NewsBite
---

Each briefing is a Markdown file under `content/`, with its settings in the block between the
`---` lines above: the headline (`title`), the date, the standfirst under the headline, and the
topics it belongs to. Each topic gets a page listing its briefings, newest first.

## Writing the next one

Run `newsbite new "Headline of the story" --topics "A topic, Another"` to start one, or copy this
file. While `newsbite serve` runs, the page in your browser shows each change as you save it.

When the site is ready, set `base_url` in `site.yaml` to its address and run `newsbite build`:
the folder `public/` then holds the whole site, ready for any static host.
"""


def starter_files(folder: Path, now: dt.datetime) -> dict[str, str]:
    """Return the files of a new site, by path relative to ``folder``: site.yaml, a first article, .gitignore."""
    slug = make_slug(FIRST_TITLE)
    gitignore = folder / ".gitignore"
    kept = gitignore.read_text(encoding="utf-8") if gitignore.is_file() else ""
    missing = [line for line in GITIGNORE_LINES if line not in kept.splitlines()]
    files = {
        "site.yaml": site_yaml(site_title(folder), str(now.tzinfo)),
        f"content/{now.year:04d}/{slug}.md": first_article(now),
    }
    if missing:  # an existing .gitignore keeps its lines; ours are added below them
        files[".gitignore"] = kept + ("\n" if kept and not kept.endswith("\n") else "") + "\n".join(missing) + "\n"
    return files
