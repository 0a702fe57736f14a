"""Derivative names and widths, the social crop, and the markup of pictures (SPEC section 9)."""

from __future__ import annotations

import pytest

from generator.content.imagesettings import ImageSettings
from generator.model.pictures import (
    Picture,
    derivative_widths,
    picture_digest,
    picture_markup,
    plan_picture,
    responsive_body,
    social_image,
)
from tests.htmltree import parse_html


def url_of(file: str) -> str:
    return "/news/" + file


PICTURE = plan_picture("2022/troops.jpg", url_of, "3f9a1c2e" + "0" * 24, (2000, 1125), "jpeg", ("webp",),
                       (480, 800, 1200, 1600, 2400))


@pytest.mark.parametrize(("width", "widths", "expected"), [
    (2000, (480, 800, 1200, 1600, 2400), (480, 800, 1200, 1600, 2000)),  # 2400 dropped, its own width added
    (3000, (480, 800, 1200, 1600, 2400), (480, 800, 1200, 1600, 2400)),  # wide enough: nothing added
    (300, (480, 800), (300,)),
    (800, (480, 800, 1200), (480, 800)),
])
def test_widths_are_never_upscaled(width: int, widths: tuple[int, ...], expected: tuple[int, ...]) -> None:
    assert derivative_widths(width, widths) == expected


def test_names_carry_the_digest_width_and_format() -> None:
    names = [v.file for v in PICTURE.variants]
    assert names[0] == "2022/troops.3f9a1c2e-480w.webp" and names[-1] == "2022/troops.3f9a1c2e-2000w.jpg"
    assert [v.format for v in PICTURE.variants] == ["webp"] * 5 + ["jpeg"] * 5
    assert PICTURE.variants[0].height == 270 and PICTURE.variants[0].url == "/news/2022/troops.3f9a1c2e-480w.webp"


def test_the_digest_changes_with_the_bytes_and_every_setting() -> None:
    base = picture_digest("a", ImageSettings(), ("webp",), "pillow=1")
    assert len({base, picture_digest("b", ImageSettings(), ("webp",), "pillow=1"),
                picture_digest("a", ImageSettings(widths=(480,)), ("webp",), "pillow=1"),
                picture_digest("a", ImageSettings(quality=70), ("webp",), "pillow=1"),
                picture_digest("a", ImageSettings(), ("avif", "webp"), "pillow=1"),
                picture_digest("a", ImageSettings(), ("webp",), "pillow=2")}) == 6


@pytest.mark.parametrize(("focus", "box"), [
    # 2000 x 1125 is narrower than 1.91:1: the whole width, 1050 of the 1125 rows.
    ((0.5, 0.5), (0.0, 0.03333, 1.0, 0.96667)),
    ((0.5, 0.0), (0.0, 0.0, 1.0, 0.93333)),
    ((0.5, 1.0), (0.0, 0.06667, 1.0, 1.0)),
])
def test_social_crop_is_1_91_to_1_around_the_focus(focus: tuple[float, float], box: tuple[float, ...]) -> None:
    crop = social_image(PICTURE, focus, url_of)
    assert (crop.width, crop.height) == (1200, 630)
    assert crop.box == pytest.approx(box, abs=1e-4)
    assert crop.file.startswith("2022/troops.") and crop.file.endswith("-1200x630.jpg")


def test_a_tall_picture_is_cropped_around_its_focus_and_a_small_one_is_not_upscaled() -> None:
    tall = PICTURE._replace(width=1000, height=2000)
    left, top, right, bottom = social_image(tall, (0.5, 0.25), url_of).box
    assert (left, right) == (0.0, 1.0) and top == pytest.approx(0.25 - 0.1309, abs=1e-3)
    small = social_image(PICTURE._replace(width=600, height=400), (0.5, 0.5), url_of)
    assert (small.width, small.height) == (600, 315)


def test_markup_of_a_picture_with_derivatives() -> None:
    doc = parse_html(picture_markup(PICTURE, PICTURE.url, 'Trucks "leaving"', "100vw", priority=True))
    source, img = doc.one("source"), doc.one("img")
    assert source.get("type") == "image/webp" and source.get("sizes") == "100vw"
    assert (source.get("srcset") or "").startswith("/news/2022/troops.3f9a1c2e-480w.webp 480w, ")
    assert img.get("src") == "/news/2022/troops.3f9a1c2e-1200w.jpg"
    assert (img.get("width"), img.get("height"), img.get("alt")) == ("2000", "1125", 'Trucks "leaving"')
    assert img.get("fetchpriority") == "high" and img.get("loading") is None and img.get("decoding") == "async"
    lazy = parse_html(picture_markup(PICTURE, PICTURE.url, "", "100vw")).one("img")
    assert lazy.get("loading") == "lazy" and lazy.get("fetchpriority") is None


def test_markup_of_a_picture_used_as_it_is() -> None:
    svg = Picture("a.svg", "/a.svg", "d", 640, 360, "svg")
    assert str(picture_markup(svg, svg.url, "A map", "100vw")) == \
        '<img src="/a.svg" alt="A map" width="640" height="360" decoding="async" loading="lazy">'
    assert str(picture_markup(None, "https://cdn.example/a.jpg", "", "100vw")) == \
        '<img src="https://cdn.example/a.jpg" alt="" decoding="async" loading="lazy">'


def test_body_pictures_get_the_markup_and_authors_own_markup_stays() -> None:
    html = ('<p><img src="/news/2022/troops.jpg" alt="One" title="T" /></p>'
            '<p><img src="/news/2022/troops.jpg" alt="Two" width="10"></p><p><img src="/other.png" alt=""></p>')
    doc = parse_html(responsive_body(html, {PICTURE.url: PICTURE}, first_is_lead=True))
    first, own, other = doc.find_all("img")
    assert first.get("srcset") and first.get("title") == "T" and first.get("fetchpriority") == "high"
    assert own.get("srcset") is None and own.get("width") == "10"
    assert other.get("src") == "/other.png" and other.get("srcset") is None
    assert responsive_body("<p>No pictures.</p>", {PICTURE.url: PICTURE}, False) == "<p>No pictures.</p>"
