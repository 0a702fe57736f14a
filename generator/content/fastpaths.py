"""The one switch that turns every fast path off: ``NEWSBITE_REFERENCE=1`` (README, "Developing NewsBite").

A fast path gives the same result as the reference implementation it shadows, at a fraction
of its cost, for the inputs it accepts. With the switch on, each one gives way to its reference:

- ``render.quickmark`` (Markdown bodies) to markdown-it-py, and ``render.markup``'s memo of
  markdown-it-py's link normalisation to markdown-it-py's own functions;
- ``content.quickyaml`` (front matter) and ``content.yamltext``'s lean constructor to PyYAML;
- ``content.slugs.make_slug``'s test for text already in slug form to python-slugify;
- ``content.typography.smarten``'s test for text the typographer leaves alone to markdown-it-py;
- ``content.articles``' search for the closing front-matter fence to its regular expression;
- ``render.fragments``' reuse of each article's card and related item, the masthead and the footer, to
  rendering their templates on each page.

A build with the switch on must write the same bytes as one without it
(tests/e2e/test_reference_switch.py); when it does not, a fast path is wrong.
"""

from __future__ import annotations

import functools
import logging
import os

log = logging.getLogger(__name__)

SWITCH = "NEWSBITE_REFERENCE"


@functools.cache
def fast_paths_on() -> bool:
    """Return False when ``NEWSBITE_REFERENCE`` is set (to anything but 0): the reference implementations only.

    Read once per process. Build workers are forked or spawned from the process that started the
    build: they inherit its answer, or read the same environment, which they inherit too.
    """
    value = os.environ.get(SWITCH, "").strip()
    on = value in ("", "0")
    if not on:
        log.info("%s=%s: fast paths off, reference implementations only", SWITCH, value)
    return on
