"""Pillow's part: a picture's facts from its header, and its renditions (SPEC section 9)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from generator.model.pictures import Rendition
from generator.render.images import make_renditions, read_facts, read_size

PHOTO = Path(__file__).resolve().parents[2] / "photos" / "storm.jpg"  # 1600 x 1067


def turned(tmp_path: Path) -> Path:
    exif = Image.Exif()
    exif[0x0112] = 6
    path = tmp_path / "turned.jpg"
    Image.open(PHOTO).transpose(Image.Transpose.ROTATE_90).save(path, "JPEG", exif=exif)
    return path


def test_facts_come_from_the_header_with_the_orientation_applied(tmp_path: Path) -> None:
    assert read_facts(PHOTO) == (1600, 1067, "jpeg", None)
    assert read_facts(turned(tmp_path))[:3] == (1600, 1067, "jpeg")


def test_a_file_that_is_no_picture_says_why(tmp_path: Path) -> None:
    (tmp_path / "x.jpg").write_bytes(b"not a picture")
    assert read_facts(tmp_path / "x.jpg").problem == "cannot be decoded: it is not a JPEG, PNG or WebP picture"
    (tmp_path / "y.jpg").write_bytes(b"GIF89a" + b"\0" * 20)
    assert read_facts(tmp_path / "y.jpg").problem is not None


def test_renditions_are_sized_encoded_and_bare(tmp_path: Path) -> None:
    made = make_renditions(turned(tmp_path), [Rendition("a", 480, 320, "webp"), Rendition("b", 800, 533, "jpeg"),
                                              Rendition("c", 300, 158, "jpeg", (0.0, 0.0, 1.0, 0.5))], 80)
    for name, size, kind in (("a", (480, 320), "WEBP"), ("b", (800, 533), "JPEG"), ("c", (300, 158), "JPEG")):
        image = Image.open(io.BytesIO(made[name]))
        assert (image.size, image.format) == (size, kind) and not image.getexif()


def test_a_truncated_picture_cannot_be_decoded(tmp_path: Path) -> None:
    cut = tmp_path / "cut.jpg"
    cut.write_bytes(PHOTO.read_bytes()[:4000])
    assert read_facts(cut).problem is None  # its header is whole
    with pytest.raises(ValueError, match="cannot be decoded"):
        make_renditions(cut, [Rendition("a", 480, 320, "webp")], 80)


def test_an_svg_states_its_size(tmp_path: Path) -> None:
    svg = tmp_path / "a.svg"
    svg.write_text('<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="640px" height=\'360\'/>')
    assert read_size(svg) == (640, 360)
    svg.write_text('<svg xmlns="http://www.w3.org/2000/svg" width="50%" viewBox="0 0 4 3"/>')
    assert read_size(svg) is None
