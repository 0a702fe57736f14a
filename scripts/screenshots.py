"""Take the README's screenshots: the sample site's Kazakhstan briefing at 1280 and 390 px wide.

Builds the sample site into a temporary folder, serves it on 127.0.0.1 and photographs the
page with Debian's headless Chromium (/usr/bin/chromium) through Playwright.
Usage: .venv/bin/python scripts/screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
ARTICLE = "2022/01/russia-troops-kazakhstan/"
WIDTHS = {"1280": (1280, 900), "390": (390, 844)}
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as work:
        output = Path(work) / "public"
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(output)))
        base_url = f"http://127.0.0.1:{server.server_port}/"
        subprocess.run([sys.executable, "-m", "generator", "build", "--site", str(ROOT), "--output", str(output),
                        "--base-url", base_url], check=True, stdout=subprocess.DEVNULL)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            _shoot(base_url + ARTICLE, args.out)
        finally:
            server.shutdown()
    return 0


def _shoot(url: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        for name, (width, height) in WIDTHS.items():
            page = browser.new_page(viewport={"width": width, "height": height}, color_scheme="light")
            page.goto(url, wait_until="networkidle")
            target = out / f"screenshot-article-{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(f"wrote {target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}")
            page.close()
        browser.close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        pass


if __name__ == "__main__":
    sys.exit(main())
