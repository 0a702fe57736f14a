"""Pictures (SPEC section 9): derivatives, their markup, the social crop, feeds, caching and errors.

The hero is a real photograph stored as a camera held upright stores it: its pixels turned a
quarter and EXIF orientation 6 saying so, with GPS tags and XMP, as phones write them.
"""

from __future__ import annotations

import io
from pathlib import Path

import feedparser
import pytest
from PIL import Image, ImageChops, ImageStat

from generator.build.options import BuildOptions
from generator.build.site import build_site
from generator.render import images as pillow
from tests.e2e.helpers import PHOTOS, build, front, page
from tests.htmltree import parse_html

SITE_YAML = "title: Pictures\nbase_url: https://news.example/\n"
UPRIGHT = Image.open(PHOTOS / "storm.jpg").convert("RGB")  # 1600 x 1067 as shown
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF/></x:xmpmeta>'


def camera_jpeg() -> bytes:
    """Return the photo as a camera held upright writes it: turned, with orientation 6, GPS and XMP."""
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to show
    exif[0x010F] = "NewsCam"
    gps = exif.get_ifd(0x8825)
    gps.update({1: "S", 2: (33.0, 51.0, 35.0), 3: "E", 4: (151.0, 12.0, 40.0)})
    stored = UPRIGHT.transpose(Image.Transpose.ROTATE_90)  # counter-clockwise: what 6 undoes
    buffer = io.BytesIO()
    stored.save(buffer, "JPEG", quality=90, exif=exif, xmp=XMP)
    return buffer.getvalue()


HERO = camera_jpeg()
BODY_PHOTO = (PHOTOS / "raindrops.jpg").read_bytes()  # 900 x 562
ARTICLE = front({
    "date": "2022-01-09T18:30:00+11:00",
    "title": "Storm front",
    "original_url": "https://example.com/story/storm",
    "image": {"src": "storm.jpg", "alt": "A storm over a motorway", "caption": "Clouds roll in on Sunday.",
              "credit": "Jane Snapper", "focus": [0.5, 0.2]},
}, "First paragraph.\n\n![Rain on a leaf](rain.jpg)\n\nLast paragraph.\n")
URL = "/2022/01/storm-front/"


def make_pictured_site(make_site, article: str = ARTICLE, site_yaml: str = SITE_YAML, **extra: bytes) -> Path:
    files: dict[str, str | bytes] = {"content/2022/storm-front.md": article, "content/2022/storm.jpg": HERO,
                                     "content/2022/rain.jpg": BODY_PHOTO}
    files.update({f"content/2022/{name.replace('_', '.')}": data for name, data in extra.items()})
    return make_site(files, site_yaml)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The site built once (a build decodes and encodes every derivative: the tests share it)."""
    root = tmp_path_factory.mktemp("pictures") / "site"
    for rel, data in {"site.yaml": SITE_YAML.encode(), "content/2022/storm-front.md": ARTICLE.encode(),
                      "content/2022/storm.jpg": HERO, "content/2022/rain.jpg": BODY_PHOTO}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    assert build(root) == 0
    return root


def derivatives(out: Path, stem: str) -> dict[str, Path]:
    return {p.name: p for p in (out / "2022").iterdir() if p.name.startswith(stem + ".") and p.name != stem + ".jpg"}


def test_derivatives_have_the_widths_and_formats_never_upscaled(built: Path) -> None:
    made = derivatives(built / "public", "storm")
    widths = sorted((p.suffix, Image.open(p).size) for name, p in made.items() if "w." in name)
    # 1600 wide as shown: 2400 is dropped, the picture's own width added; WebP and the original's JPEG.
    expected = [(ext, (w, round(1067 * w / 1600))) for ext in (".jpg", ".webp") for w in (480, 800, 1200, 1600)]
    assert widths == expected
    for name, path in made.items():
        assert Image.open(path).format == ("WEBP" if name.endswith(".webp") else "JPEG")
        assert name.startswith("storm.") and len(name.split(".")[1].split("-")[0]) == 8  # the digest


def test_orientation_is_applied_and_no_metadata_is_left(built: Path) -> None:
    made = derivatives(built / "public", "storm")
    for name, path in made.items():
        data = path.read_bytes()
        image = Image.open(path)
        assert not image.getexif(), name
        assert "xmp" not in image.info and "exif" not in image.info, name
        assert b"Exif\x00\x00" not in data and b"adobe:ns:meta" not in data and b"NewsCam" not in data, name
        if "-1600w." in name:
            # Shown upright: the same pixels as the photo itself, not turned a quarter.
            difference = ImageStat.Stat(ImageChops.difference(image.convert("RGB"), UPRIGHT)).mean
            assert max(difference) < 8, (name, difference)


def test_the_original_is_copied_byte_for_byte(built: Path) -> None:
    assert (built / "public/2022/storm.jpg").read_bytes() == HERO


def test_hero_markup_srcset_sizes_width_height_and_priority(built: Path) -> None:
    figure = page(built / "public", URL).one("figure", class_="hero")
    source = figure.one("picture").one("source")
    img = figure.one("picture").one("img")
    assert source.get("type") == "image/webp"
    assert [c.split()[1] for c in source.get("srcset").split(", ")] == ["480w", "800w", "1200w", "1600w"]
    assert all((built / "public" / c.split()[0].lstrip("/")).is_file() for c in source.get("srcset").split(", "))
    assert [c.split()[0].rsplit(".", 1)[1] for c in img.get("srcset").split(", ")] == ["jpg"] * 4
    assert source.get("sizes") == img.get("sizes") and "100vw" in img.get("sizes")
    assert (img.get("width"), img.get("height")) == ("1600", "1067")
    assert img.get("src").endswith("-1200w.jpg") and img.get("decoding") == "async"
    assert img.get("fetchpriority") == "high" and img.get("loading") is None
    assert img.get("alt") == "A storm over a motorway"


def test_body_pictures_are_lazy_with_their_own_size(built: Path) -> None:
    body = page(built / "public", URL).one("div", class_="article-body")
    img = body.one("img")
    assert img.get("loading") == "lazy" and img.get("fetchpriority") is None
    assert (img.get("width"), img.get("height")) == ("900", "562") and img.get("alt") == "Rain on a leaf"
    assert [c.split()[1] for c in img.get("srcset").split(", ")] == ["480w", "800w", "900w"]


def test_the_list_page_lead_card_is_fetched_first(built: Path) -> None:
    media = page(built / "public", "/").find("div", class_="card-media")
    assert media is not None
    img = media.one("img")
    assert img.get("fetchpriority") == "high" and img.get("srcset") and img.get("width") == "1600"


def test_social_crop_is_1200_by_630_around_the_focus(built: Path) -> None:
    head = page(built / "public", URL)
    meta = {m.get("property"): m.get("content") for m in head.find_all("meta") if m.get("property")}
    assert (meta["og:image:width"], meta["og:image:height"]) == ("1200", "630")
    assert meta["og:image:alt"] == "A storm over a motorway"
    crop = Image.open(built / "public" / meta["og:image"].removeprefix("https://news.example/"))
    assert crop.size == (1200, 630) and crop.format == "JPEG" and not crop.getexif()
    # focus y = 0.2: the crop is the top of the photo (1600 x 840 of 1600 x 1067, from the top edge).
    top = UPRIGHT.crop((0, 0, 1600, 840)).resize((1200, 630))
    assert max(ImageStat.Stat(ImageChops.difference(crop.convert("RGB"), top)).mean) < 8


def test_feed_item_carries_the_figure_with_caption_credit_and_the_original_url(built: Path) -> None:
    feed = feedparser.parse((built / "public/feed.xml").read_bytes(), sanitize_html=False)
    content = parse_html(feed.entries[0].content[0].value)
    figure = content.find("figure")
    assert figure is not None
    img = figure.one("img")
    assert (img.get("src") or "").startswith("https://news.example/2022/storm.") and img.get("width") == "1600"
    caption = figure.one("figcaption").text
    assert "Clouds roll in on Sunday." in caption and "Picture: Jane Snapper" in caption
    last = [child for child in content.iter() if child.tag == "p"][-1]
    assert last.one("a").get("href") == "https://example.com/story/storm" and "Original URL" in last.text
    body_img = content.one("img", alt="Rain on a leaf")
    assert all(u.split()[0].startswith("https://news.example/") for u in (body_img.get("srcset") or "").split(", "))


def test_a_second_build_decodes_and_writes_no_picture(make_site, monkeypatch) -> None:
    site = make_pictured_site(make_site)
    assert build(site) == 0

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("a picture was opened")

    monkeypatch.setattr(pillow, "make_renditions", refuse)
    monkeypatch.setattr(pillow, "read_facts", refuse)
    article = site / "content/2022/storm-front.md"
    article.write_text(article.read_text().replace("Last paragraph.", "Last paragraph, edited."))
    result = build_site(BuildOptions(site, jobs=1, search=False))
    assert result.written_files and not [f for f in result.written_files if f.endswith((".jpg", ".webp"))]
    # Into an empty folder the derivatives come from the cache, still without decoding.
    result = build_site(BuildOptions(site, site / "elsewhere", jobs=1, search=False))
    assert sum(f.endswith(".webp") for f in result.written_files) == 7


def test_images_false_uses_pictures_as_they_are(make_site) -> None:
    site = make_pictured_site(make_site, site_yaml=SITE_YAML + "images: false\n")
    assert build(site) == 0
    img = page(site / "public", URL).one("figure", class_="hero").one("img")
    assert img.get("src") == "/2022/storm.jpg" and img.get("srcset") is None
    assert not derivatives(site / "public", "storm")


def test_svg_gif_and_remote_pictures_pass_through(make_site) -> None:
    svg = '<svg xmlns="http://www.w3.org/2000/svg" width="640" height="360"><rect width="9" height="9"/></svg>'
    article = ARTICLE.replace("src: storm.jpg", "src: map.svg").replace("rain.jpg", "https://cdn.example/r.jpg")
    site = make_pictured_site(make_site, article, map_svg=svg.encode())
    assert build(site) == 0
    doc = page(site / "public", URL)
    hero = doc.one("figure", class_="hero").one("img")
    assert (hero.get("src"), hero.get("width"), hero.get("height")) == ("/2022/map.svg", "640", "360")
    assert doc.one("div", class_="article-body").one("img").get("src") == "https://cdn.example/r.jpg"


@pytest.mark.parametrize(("change", "files", "message"), [
    (("src: storm.jpg", "src: gone.jpg"), {}, "content/2022/storm-front.md:{hero}: image 'gone.jpg' not found next to the article"),
    (("rain.jpg", "nowhere.png"), {}, "content/2022/storm-front.md:{body}: image 'nowhere.png' not found next to the article"),
    (("src: storm.jpg", "src: bad.jpg"), {"bad_jpg": b"not a picture at all"},
     "content/2022/storm-front.md:{hero}: image 'bad.jpg' cannot be decoded: it is not a JPEG, PNG or WebP picture"),
    (("rain.jpg", "cut.jpg"), {"cut_jpg": HERO[:3000]}, "content/2022/storm-front.md:{body}: image 'cut.jpg' cannot be decoded"),
])
def test_missing_and_corrupt_pictures_are_errors_at_their_line(make_site, capsys, change, files, message) -> None:
    site = make_pictured_site(make_site, ARTICLE.replace(*change), **files)
    lines = ARTICLE.splitlines()
    hero = next(n for n, line in enumerate(lines, 1) if line.strip().startswith("image:"))
    body = next(n for n, line in enumerate(lines, 1) if "rain.jpg" in line)
    assert build(site) == 1
    err = capsys.readouterr().err
    assert message.format(hero=hero, body=body) in err
    assert not (site / "public").exists()


def test_an_author_profile_picture_that_cannot_be_decoded_is_an_error_at_its_line(make_site, capsys) -> None:
    site_yaml = SITE_YAML + "authors:\n  Jane Doe:\n    bio: Reports on weather.\n    image: 2022/face.jpg\n"
    site = make_pictured_site(make_site, site_yaml=site_yaml, face_jpg=b"not a picture at all")
    assert build(site) == 1
    err = capsys.readouterr().err
    assert "site.yaml:6: image '2022/face.jpg' of author 'Jane Doe' cannot be decoded" in err
    assert not (site / "public").exists()
    # A decodable picture builds.
    (site / "content/2022/face.jpg").write_bytes(HERO)
    assert build(site) == 0
