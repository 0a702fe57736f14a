"""xml_text removes exactly the characters XML 1.0 forbids, on its short and its long way."""

from __future__ import annotations

import pytest

from generator.content.xmltext import xml_text

FORBIDDEN = ["\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\ud800", "\udfff", "\ufffe", "\uffff"]
# Allowed, and some of them share UTF-8 bytes with the forbidden ones: '¾' ends in 0xBE, 'ο' in
# 0xBF, U+FFFD is EF BF BD.
ALLOWED = "tab\t lf\n cr\r nbsp\u00a0 ¾ П ο \ufeff \ufffd \U0001f600 \x7f \x85 \u2028 <&>"


@pytest.mark.parametrize("padding", [0, 3000], ids=["short", "long"])
@pytest.mark.parametrize("character", FORBIDDEN, ids=ascii)
def test_removes_each_character_xml_forbids_and_nothing_else(character: str, padding: int) -> None:
    text = "x" * padding + ALLOWED + character + ALLOWED + character
    assert xml_text(text) == "x" * padding + ALLOWED + ALLOWED


@pytest.mark.parametrize("padding", [0, 3000], ids=["short", "long"])
def test_text_without_them_is_given_back_itself(padding: int) -> None:
    for text in ("x" * padding + ALLOWED, "x" * padding + "plain words", "x" * padding):
        assert xml_text(text) is text
