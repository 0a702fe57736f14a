"""Optional comments: off by default with no third-party request; on article pages only when set."""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import pytest

from tests.conftest import run_cli
from tests.e2e.helpers import build, front, page
from tests.htmltree import Element, parse_file

FILES = {
    "content/2022/a.md": front({"title": "Troops arrive", "date": "2022-01-09T18:30:00+11:00", "topics": ["Kazakhstan"],
                                "original_url": "https://example.com/story/1", "image": "https://cdn.example.com/x.jpg"}),
    "content/2022/b.md": front({"title": "Talks stall", "date": "2022-01-10", "topics": ["Kazakhstan"]}),
}
BASE = "title: T\nbase_url: https://news.example.org/\n"
ISSO = BASE + "comments:\n  provider: isso\n  url: https://comments.example.net/\n"


def fetched_urls(doc: Element) -> list[str]:
    """Return every URL the browser would fetch on its own while showing the page."""
    urls = [el.get("src") or "" for el in doc.iter() if el.tag in ("script", "img", "iframe", "source", "video",
                                                                    "audio", "embed") and el.get("src")]
    urls += [el.get("href") or "" for el in doc.find_all("link")
             if set((el.get("rel") or "").split()) & {"stylesheet", "preload", "modulepreload", "icon", "preconnect",
                                                     "dns-prefetch", "prefetch"}]
    return urls


def test_without_comments_no_page_requests_another_host(make_site) -> None:
    site = make_site(dict(FILES, **{"content/2022/a.md": front({"title": "Troops arrive", "date": "2022-01-09"})}), BASE)
    assert build(site) == 0
    out = site / "public"
    for file in sorted(out.rglob("*.html")):
        doc = parse_file(file)
        external = [u for u in fetched_urls(doc) if urlsplit(u).netloc not in ("", "news.example.org")]
        assert external == [], file
        text = file.read_text(encoding="utf-8")
        assert "comments-config" not in text and "js/comments." not in text, file
        for provider in ("giscus", "isso", "remark42"):
            assert provider not in text.lower(), (file, provider)


def test_with_comments_only_article_pages_carry_the_embed(make_site) -> None:
    site = make_site(FILES, ISSO)
    assert build(site) == 0
    out = site / "public"
    article = page(out, "/2022/01/a/")
    config = json.loads(article.find("script", id="comments-config").text)
    assert config["provider"] == "isso"
    assert config["script"] == "https://comments.example.net/js/embed.min.js"
    assert config["holder"]["attributes"]["data-isso-id"] == "/2022/01/a/"
    # The provider is reached only through the lazy loader, never by a tag in the page.
    assert not [u for u in fetched_urls(article) if "comments.example.net" in u]
    # The script is published under the digest of its bytes (SPEC section 13).
    assert any(re.search(r"/js/comments\.[0-9a-f]{10}\.js$", u) for u in fetched_urls(article))
    assert article.find("section", id="comments") is not None
    for other in ("/", "/topics/", "/topics/kazakhstan/", "/search/", "/404.html"):
        text = (out / (other.lstrip("/") + ("index.html" if other.endswith("/") else ""))).read_text(encoding="utf-8")
        assert "comments.example.net" not in text and "comments-config" not in text, other


def test_giscus_and_remark42_embeds(make_site) -> None:
    giscus = BASE + ("comments:\n  provider: giscus\n  repo: owner/repo\n  repo_id: R_1\n  category: Announcements\n"
                     "  category_id: DIC_1\n  reactions_enabled: false\n  load: click\n")
    site = make_site(FILES, giscus, name="giscus")
    assert build(site) == 0
    config = json.loads(page(site / "public", "/2022/01/a/").find("script", id="comments-config").text)
    assert config["script"] == "https://giscus.app/client.js" and config["load"] == "click"
    assert config["attributes"]["data-repo"] == "owner/repo"
    assert config["attributes"]["data-reactions-enabled"] == "0"
    remark = BASE + "comments:\n  provider: remark42\n  host: https://remark.example.net\n  site_id: news\n"
    site = make_site(FILES, remark, name="remark")
    assert build(site) == 0
    config = json.loads(page(site / "public", "/2022/01/a/").find("script", id="comments-config").text)
    assert config["script"] == "https://remark.example.net/web/embed.js"
    assert config["globals"]["remark_config"]["url"] == "https://news.example.org/2022/01/a/"


def test_a_title_cannot_break_out_of_the_embed_script(make_site) -> None:
    files = {"content/2022/a.md": front({"title": "</script><script>alert(1)</script>", "date": "2022-01-09"})}
    site = make_site(files, ISSO)
    assert build(site) == 0
    text = next((site / "public" / "2022" / "01").rglob("index.html")).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in text


@pytest.mark.parametrize(("yaml", "line", "message"), [
    ("comments: yes please\n", 3, "must be a mapping"),
    ("comments:\n  provider: disqus\n", 4, "one of giscus, isso, remark42"),
    ("comments:\n  provider: isso\n", 4, "need 'url'"),
    ("comments:\n  provider: isso\n  url: comments.example.net\n", 5, "absolute http(s) URL"),
    ("comments:\n  provider: isso\n  url: https://c.example.net/\n  colour: red\n", 6, "unknown isso setting 'colour'"),
    ("comments:\n  provider: isso\n  url: https://c.example.net/\n  load: later\n", 6, "'scroll' or 'click'"),
])
def test_bad_comment_settings_are_errors_with_lines(make_site, capsys, yaml: str, line: int, message: str) -> None:
    site = make_site(FILES, BASE + yaml)
    assert run_cli("build", "--site", str(site)) == 1
    err = capsys.readouterr().err
    assert f"site.yaml:{line}:" in err and message in err, err


def test_comments_false_is_off(make_site) -> None:
    site = make_site(FILES, BASE + "comments: false\n")
    assert build(site) == 0
    assert "comments-config" not in (site / "public" / "2022" / "01" / "a" / "index.html").read_text(encoding="utf-8")
