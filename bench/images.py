"""The pictures rows of bench/README.md: 1,000 articles, each with its own 2400-px JPEG hero.

    .venv/bin/python bench/images.py [--articles 1000] [--runs 3] [--work /tmp/newsbite-bench-images]

Image work is what a cold build with pictures costs beyond the same cold build without them:
NewsBite with `images:` on (WebP and the JPEG fallback at every width, and the social crop) less
NewsBite with `images: false`; Hugo resizing every hero to the same widths in WebP from its
template (`.Resize "480x webp"`, ...) less the same Hugo site whose template resizes nothing
(`--environment plain`). Peak memory is GNU time's maximum resident set of the largest process
of the cold build with pictures. The rebuild row is a build with nothing changed, with pictures
and without. The heroes are crops of real photographs (Debian's mate-backgrounds, installed with
apt-get when missing), each different, so that no two share a digest.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness  # noqa: E402  (bench/ is not a package)

PHOTOS = Path("/usr/share/backgrounds/mate/nature")
WIDTHS = (480, 800, 1200, 1600, 2400)
HUGO_CONFIG = """baseURL = "https://example.org/"
title = "Pictures"
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT", "404"]
[imaging]
quality = 80
"""
HUGO_SINGLE = """<!doctype html><html><head><title>{{ .Title }}</title></head><body><h1>{{ .Title }}</h1>
{{ if ne hugo.Environment "plain" }}{{ with .Resources.GetMatch "hero.jpg" }}{{ $img := . }}<img srcset="
{{- range $i, $w := slice 480 800 1200 1600 2400 }}{{ if le $w $img.Width }}{{ with $img.Resize (printf "%dx webp" $w) }}
{{- .RelPermalink }} {{ .Width }}w, {{ end }}{{ end }}{{ end }}" src="{{ .RelPermalink }}">{{ end }}{{ end }}
{{ .Content }}</body></html>
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path("/tmp/newsbite-bench-images"))
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    harness.ensure_hugo()
    heroes = make_heroes(args.work / "heroes", args.articles)
    ours = {"images": make_site(args.work, "nb-images", heroes, ""), "plain": make_site(args.work, "nb-plain", heroes,
                                                                                       "images: false\n")}
    hugo = make_hugo_site(args.work, heroes)
    newsbite = harness.NewsBite(harness.snapshot(args.work), args.jobs)
    cold: dict[str, list[harness.Run]] = {name: [] for name in ("nb-images", "nb-plain", "hugo-images", "hugo-plain")}
    for run in range(args.runs):
        for name, site in ours.items():
            out = args.work / f"out-{name}-{run}"
            harness.make_cold(site, out)
            cold[f"nb-{name}"].append(newsbite.build(site, out))
        for name, environment in (("images", "production"), ("plain", "plain")):
            out = args.work / f"out-hugo-{name}-{run}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(hugo / "resources", ignore_errors=True)
            cold[f"hugo-{name}"].append(harness.timed(["hugo", "--quiet", "-s", str(hugo), "-d", str(out),
                                                       "--environment", environment]))
    rebuilds = {name: [newsbite.build(site, args.work / f"out-{name}-{args.runs - 1}").seconds for _ in range(args.runs)]
                for name, site in ours.items()}
    print(table(cold, rebuilds, args))
    return 0


def make_heroes(folder: Path, count: int) -> list[Path]:
    """Return ``count`` different 2400 x 1350 JPEGs cut from real photographs (made once, kept)."""
    from PIL import Image

    if not PHOTOS.is_dir():
        subprocess.run(["apt-get", "install", "-y", "-qq", "mate-backgrounds"], check=True)
    folder.mkdir(parents=True, exist_ok=True)
    photos = sorted(p for p in PHOTOS.glob("*.jpg") if Image.open(p).width >= 1600)
    chosen = random.Random(1)
    made = []
    for number in range(count):
        path = folder / f"hero-{number:04d}.jpg"
        made.append(path)
        if path.is_file():
            continue
        with Image.open(photos[number % len(photos)]) as photo:
            photo = photo.convert("RGB")
            crop_w = chosen.randint(int(photo.width * 0.7), photo.width)
            crop_h = min(photo.height, round(crop_w * 9 / 16))
            left, top = chosen.randint(0, photo.width - crop_w), chosen.randint(0, photo.height - crop_h)
            piece = photo.crop((left, top, left + crop_w, top + crop_h)).resize((2400, 1350), Image.Resampling.LANCZOS)
            piece.save(path, "JPEG", quality=88)
    return made


def make_site(work: Path, name: str, heroes: list[Path], settings: str) -> Path:
    site = work / name
    if (site / "site.yaml").is_file() and len(list((site / "content").glob("*/a*.md"))) == len(heroes):
        return site
    shutil.rmtree(site, ignore_errors=True)
    (site / "content").mkdir(parents=True)
    (site / "site.yaml").write_text(harness.SITE_YAML + settings, encoding="utf-8")
    for number, hero in enumerate(heroes):
        folder = site / "content" / f"a{number:04d}"
        folder.mkdir()
        shutil.copyfile(hero, folder / "hero.jpg")
        (folder / f"a{number:04d}.md").write_text(article(number) + f"image:\n  src: hero.jpg\n  alt: Picture {number}\n---\n"
                                         + body(number), encoding="utf-8")
    return site


def make_hugo_site(work: Path, heroes: list[Path]) -> Path:
    site = work / "hugo"
    if (site / "hugo.toml").is_file() and len(list((site / "content/posts").glob("*/index.md"))) == len(heroes):
        return site
    shutil.rmtree(site, ignore_errors=True)
    (site / "layouts/_default").mkdir(parents=True)
    (site / "hugo.toml").write_text(HUGO_CONFIG, encoding="utf-8")
    (site / "layouts/_default/single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (site / "layouts/_default/list.html").write_text("<!doctype html><title>{{ .Title }}</title>", encoding="utf-8")
    for number, hero in enumerate(heroes):
        folder = site / "content/posts" / f"a{number:04d}"
        folder.mkdir(parents=True)
        shutil.copyfile(hero, folder / "hero.jpg")
        (folder / "index.md").write_text(article(number) + "---\n" + body(number), encoding="utf-8")
    return site


def article(number: int) -> str:
    return f"---\ntitle: Briefing {number}\ndate: 2022-01-{1 + number % 28:02d}T{number % 24:02d}:00:00+00:00\n"


def body(number: int) -> str:
    return f"Paragraph one of briefing {number}.\n\nParagraph two, with a little more text.\n"


def table(cold: dict[str, list[harness.Run]], rebuilds: dict[str, list[float]], args: argparse.Namespace) -> str:
    med = {name: statistics.median(r.seconds for r in runs) for name, runs in cold.items()}
    ours, hugos = med["nb-images"] - med["nb-plain"], med["hugo-images"] - med["hugo-plain"]
    peak = max(r.peak_mib for r in cold["nb-images"])
    delta = statistics.median(rebuilds["images"]) - statistics.median(rebuilds["plain"])
    rows = [
        "| measure | NewsBite | beside | target | met |",
        "| --- | --- | --- | --- | --- |",
        f"| {args.articles:,} articles, 2400-px JPEG hero each, cold build: image work | {ours:.1f} s "
        f"({med['nb-images']:.1f} - {med['nb-plain']:.1f}) | Hugo {hugos:.1f} s ({med['hugo-images']:.1f} - "
        f"{med['hugo-plain']:.1f}); ratio {ours / hugos:.2f} | at most 1.0 x Hugo | {'yes' if ours <= hugos else 'no'} |",
        f"| the same, rebuilt with nothing changed | {statistics.median(rebuilds['images']):.2f} s | without pictures "
        f"{statistics.median(rebuilds['plain']):.2f} s; +{delta:.2f} s | at most +0.5 s | {'yes' if delta <= 0.5 else 'no'} |",
        f"| peak memory of the largest process, that cold build | {peak:.0f} MiB | | at most 300 MB | "
        f"{'yes' if peak * 1.048576 <= 300 else 'no'} |",
        "",
        "Each cold run (s): " + "; ".join(f"{name} " + ", ".join(f"{r.seconds:.1f}" for r in runs)
                                           for name, runs in cold.items()),
        "CPU (s, median): " + "; ".join(f"{name} {statistics.median(r.cpu for r in runs):.1f}"
                                          for name, runs in cold.items()),
    ]
    return "\n".join(rows)


if __name__ == "__main__":
    raise SystemExit(main())
