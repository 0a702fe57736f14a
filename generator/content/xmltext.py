"""Text as any page can hold it: without the characters XML 1.0 forbids (SPEC section 7).

Values are made safe here once, where they enter NewsBite (YAML values as they are parsed,
Markdown bodies as they are rendered, the ``--base-url`` option), so that templates can print
them as they are: a check at every print cost a Python call per printed value, 1.7 million of
them in a 10,000-article build.
"""

from __future__ import annotations

import logging
import re

log = logging.getLogger(__name__)

# Characters XML 1.0 does not allow anywhere, not even escaped: the C0 controls but tab, LF and
# CR, surrogates, U+FFFE and U+FFFF. (HTML forbids them too, or reports them as parse errors.)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Bytes the UTF-8 of a text holds if it may hold such a character: the C0 controls but tab, LF
# and CR, and 0xBE and 0xBF, which end U+FFFE and U+FFFF (and some common letters; such texts
# take the exact look). UTF-8 cannot hold surrogates: encoding a text with one fails.
_SUSPECT_UTF8 = bytes([*range(0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0xBE, 0xBF])
# From this length on (a body), encoding the text and deleting a few byte values in C is a third
# of the cost of a regular expression search through it.
_LONG_TEXT = 1024


def xml_text(text: str) -> str:
    """Return ``text`` without the characters XML 1.0 cannot hold: ``text`` itself when it has none."""
    if len(text) >= _LONG_TEXT:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate
            return _NOT_XML.sub("", text)
        if len(data.translate(None, _SUSPECT_UTF8)) == len(data):
            return text
    elif text.isprintable():  # most short values: nothing to look for (isprintable is false for each of them)
        return text
    return text if _NOT_XML.search(text) is None else _NOT_XML.sub("", text)
