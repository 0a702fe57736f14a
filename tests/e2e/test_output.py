"""What a build writes: deterministic bytes, copied assets, static files and template overrides."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.helpers import PHOTO, build, front, page, snapshot
from tests.e2e.test_links import FILES, REPO

PNG = bytes(range(256)) * 3 + b"\r\n\x00\r"  # line endings and NULs must survive the copy


def test_two_builds_give_identical_bytes(make_site, tmp_path: Path) -> None:
    site = make_site(FILES, "title: T\nper_page: 2\ntimezone: Australia/Sydney\n")
    assert build(site, "--output", str(tmp_path / "one")) == 0
    assert build(site, "--output", str(tmp_path / "two")) == 0
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert len(one) > 20
    assert sorted(one) == sorted(two)
    assert [name for name in one if one[name] != two[name]] == []


def test_sample_site_builds_deterministically(tmp_path: Path) -> None:
    assert build(REPO, "--output", str(tmp_path / "one")) == 0
    assert build(REPO, "--output", str(tmp_path / "two")) == 0
    one, two = snapshot(tmp_path / "one"), snapshot(tmp_path / "two")
    assert one == two


def test_a_rebuild_writes_nothing_new(make_site, capsys) -> None:
    site = make_site(FILES)
    assert build(site) == 0
    before = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    capsys.readouterr()
    assert build(site) == 0
    assert "0 written" in capsys.readouterr().out
    after = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*") if p.is_file()}
    assert before == after


def test_images_beside_articles_are_copied_byte_identical(make_site) -> None:
    site = make_site({
        "content/2022/01/a.md": front({"date": "2022-01-09", "title": "A", "image": "troops.jpg"}, "[Chart](data/chart.png)\n"),
        "content/2022/01/troops.jpg": PHOTO,
        "content/2022/01/data/chart.png": PNG[::-1],
        "content/2022/01/notes.pdf": b"%PDF-1.4",
    })
    assert build(site) == 0
    out = site / "public"
    assert (out / "2022/01/troops.jpg").read_bytes() == PHOTO
    assert (out / "2022/01/data/chart.png").read_bytes() == PNG[::-1]
    assert (out / "2022/01/notes.pdf").read_bytes() == b"%PDF-1.4"
    doc = page(out, "/2022/01/a/")
    assert (doc.one("figure").one("img").get("src") or "").startswith("/2022/01/troops.")
    assert any(a.get("href") == "/2022/01/data/chart.png" for a in doc.one("main").find_all("a"))


def test_missing_image_is_an_error_naming_the_article(make_site, capsys) -> None:
    site = make_site({"content/a.md": front({"date": "2022-01-09", "title": "A", "image": "gone.jpg"})})
    assert build(site) == 1
    assert "content/a.md:4: image 'gone.jpg' not found next to the article" in capsys.readouterr().err


def test_layouts_static_is_copied_to_the_output_root(make_site) -> None:
    site = make_site({
        "layouts/static/css/site.css": "body { color: red }\n",
        "layouts/static/robots-extra.txt": "hello",
        "layouts/static/img/logo.png": PNG,
    })
    assert build(site) == 0
    out = site / "public"
    assert (out / "css/site.css").read_bytes() == b"body { color: red }\n"
    assert (out / "img/logo.png").read_bytes() == PNG
    assert (out / "robots-extra.txt").read_text() == "hello"
    assert (out / "css/newsbite.css").is_file()  # the default stylesheet still ships


def test_a_site_static_file_overrides_the_default_one(make_site) -> None:
    site = make_site({"layouts/static/css/newsbite.css": "/* mine */\n"})
    assert build(site) == 0
    assert (site / "public/css/newsbite.css").read_text() == "/* mine */\n"


def test_a_site_template_overrides_the_default(make_site) -> None:
    site = make_site({
        "content/a.md": front({"date": "2022-01-09", "title": "Headline", "topics": ["X"]}),
        "layouts/article.html": """
            {% extends "base.html" %}
            {% block content %}<h1 class="mine">{{ article.title }}</h1><p id="custom">Custom layout</p>{% endblock %}
            """,
    })
    assert build(site) == 0
    out = site / "public"
    doc = page(out, "/2022/01/a/")
    assert doc.one(id="custom").text == "Custom layout"
    assert doc.one("h1").get("class") == "mine"
    assert doc.find("link", rel="canonical") is not None  # the default base.html still wraps it
    assert page(out, "/topics/x/").find(id="custom") is None  # other templates keep their defaults


def test_site_without_layouts_or_site_yaml_builds(tmp_path: Path) -> None:
    site = tmp_path / "bare"
    (site / "content").mkdir(parents=True)
    (site / "content/a.md").write_text(front({"date": "2022-01-09", "title": "Bare"}), encoding="utf-8")
    assert build(site) == 0
    assert [h.text for h in page(site / "public", "/2022/01/a/").find_all("h1")] == ["Bare"]


def test_bytes_do_not_depend_on_hash_seed_or_machine_timezone(tmp_path: Path) -> None:
    """Separate processes, so set ordering (PYTHONHASHSEED) and the machine's TZ can differ."""
    import os
    import subprocess
    import sys

    outputs = []
    for seed, zone in (("1", "UTC"), ("2", "Pacific/Kiritimati"), ("3", "America/Los_Angeles")):
        out = tmp_path / f"out-{seed}"
        env = {**os.environ, "PYTHONHASHSEED": seed, "TZ": zone}
        done = subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(REPO), "--output", str(out)],
                              env=env, capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        outputs.append(snapshot(out))
    assert outputs[0] == outputs[1] == outputs[2]
