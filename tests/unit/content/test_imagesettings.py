"""``site.yaml: images`` checked (SPEC section 9)."""

from __future__ import annotations

import pytest

from generator.content.config import load_config
from generator.content.imagesettings import ImageSettings
from generator.diagnostics import BuildError


def test_defaults_and_off() -> None:
    assert load_config("title: T\n", "site.yaml")[0].images == ImageSettings()
    assert load_config("title: T\nimages: false\n", "site.yaml")[0].images.enabled is False


def test_settings_are_read_sorted_and_formats_put_in_order() -> None:
    config, _ = load_config("images:\n  widths: [800, 400, 800]\n  formats: [webp, AVIF]\n  quality: 70\n", "site.yaml")
    assert config.images == ImageSettings(True, (400, 800), ("avif", "webp"), 70)


@pytest.mark.parametrize(("text", "message"), [
    ("images: yes please\n", "site.yaml:1: 'images' must be false, or a mapping"),
    ("images:\n  widths: [0]\n", "site.yaml:2: 'images.widths' must be a list of widths in pixels"),
    ("images:\n  formats: [gif]\n", "site.yaml:2: 'images.formats' must list formats from: avif, webp"),
    ("images:\n  quality: 101\n", "site.yaml:2: 'images.quality' must be a whole number from 1 to 100"),
    ("images:\n  sizes: [1]\n", "site.yaml:2: unknown key 'images.sizes'"),
])
def test_wrong_settings_are_errors_at_their_line(text: str, message: str) -> None:
    with pytest.raises(BuildError) as caught:
        load_config(text, "site.yaml")
    assert message in str(caught.value)
