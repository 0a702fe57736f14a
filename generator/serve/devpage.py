"""What the dev server adds to pages: the live-reload script, the build-error overlay and error page.

All pure: bytes and diagnostics in, bytes out. Nothing here is ever part of ``newsbite build`` output;
the server injects the script into HTML responses only (issue 3).
"""

from __future__ import annotations

import html
import json
import logging
import re
from typing import Sequence

from generator.diagnostics import Diagnostic

log = logging.getLogger(__name__)

PREFIX = "/__newsbite/"
EVENTS_PATH = PREFIX + "events"
SCRIPT_PATH = PREFIX + "reload.js"

# Numbered source lines shown under a problem: (line number, text).
Excerpt = tuple[tuple[int, str], ...]
EXCERPT_WIDTH = 300  # characters per excerpt line; a minified one-line file must not flood the page

_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

# The client: one EventSource. Each "state" message says the newest build epoch and the current
# build problems. A newer epoch than the page was served at means reload; problems mean an overlay
# over the last good page; none mean the overlay goes. EventSource reconnects by itself when the
# server restarts, and the first message after reconnecting catches up with anything missed.
RELOAD_SCRIPT = """\
(() => {
  "use strict";
  const me = document.currentScript;
  const epoch = Number(me && me.dataset.epoch || 0);
  const OVERLAY = "newsbite-build-error";
  function hide() {
    const old = document.getElementById(OVERLAY);
    if (old) old.remove();
  }
  function show(problems) {
    hide();
    const box = document.createElement("div");
    box.id = OVERLAY;
    box.setAttribute("role", "alertdialog");
    box.setAttribute("aria-labelledby", OVERLAY + "-title");
    // Long lines (a path, a YAML line) wrap rather than run off the right edge.
    box.style.cssText = "position:fixed;inset:0;z-index:2147483647;overflow:auto;margin:0;padding:2rem;" +
      "overflow-wrap:anywhere;" +
      "background:#141418;color:#f3f3f3;font:15px/1.5 ui-monospace,SFMono-Regular,Menlo,monospace";
    const title = document.createElement("h1");
    title.id = OVERLAY + "-title";
    title.style.cssText = "font:600 20px/1.3 system-ui,sans-serif;color:#ff8a80;margin:0 0 1rem";
    title.textContent = "Build failed: " + problems.length + " problem" + (problems.length === 1 ? "" : "s");
    box.append(title);
    const list = document.createElement("ol");
    list.style.cssText = "padding-left:1.5rem";
    for (const p of problems) {
      const item = document.createElement("li");
      const where = document.createElement("strong");
      where.className = "newsbite-error-location";
      where.textContent = p.path + ":" + p.line;
      item.append(where, document.createTextNode(": " + p.message));
      if (p.excerpt && p.excerpt.length) {
        const code = document.createElement("pre");
        code.style.cssText = "margin:.5rem 0 1rem;padding:.75rem;background:#000;border-radius:4px;overflow:auto;" +
          "white-space:pre-wrap;overflow-wrap:anywhere";
        const width = String(p.excerpt[p.excerpt.length - 1][0]).length;
        for (const [number, text] of p.excerpt) {
          const row = document.createElement("div");
          const here = number === p.line;
          row.style.cssText = here ? "color:#ff8a80;font-weight:600" : "color:#aaa";
          row.textContent = (here ? "> " : "  ") + String(number).padStart(width) + " | " + text;
          code.append(row);
        }
        item.append(code);
      }
      list.append(item);
    }
    box.append(list);
    const note = document.createElement("p");
    note.style.cssText = "font:14px/1.4 system-ui,sans-serif;color:#bbb";
    note.textContent = "This page shows the last good build. Fix the file and save: the page updates by itself.";
    box.append(note);
    document.body.append(box);
  }
  // Only a visible tab holds a connection: browsers allow six per host over HTTP/1.1, and a
  // stream per background tab would soon leave none for loading pages. A tab that becomes
  // visible again reconnects, and the first state message reloads it if it fell behind.
  let source = null;
  function connect() {
    if (source) return;
    source = new EventSource("%(events)s");
    source.addEventListener("state", (event) => {
      const state = JSON.parse(event.data);
      if (state.problems.length) show(state.problems);
      else if (state.epoch !== epoch) location.reload();
      else hide();
    });
  }
  function disconnect() {
    if (source) source.close();
    source = null;
  }
  document.addEventListener("visibilitychange", () => (document.hidden ? disconnect() : connect()));
  addEventListener("pagehide", disconnect);
  addEventListener("pageshow", () => { if (!document.hidden) connect(); });
  if (!document.hidden) connect();
})();
""" % {"events": EVENTS_PATH}


def script_tag(epoch: int) -> bytes:
    """Return the tag that loads the reload script, stamped with the build epoch the page came from."""
    return f'<script src="{SCRIPT_PATH}" data-epoch="{epoch}"></script>\n'.encode("ascii")


def inject_reload_script(page: bytes, epoch: int) -> bytes:
    """Return the page with the reload script before its last </body>, or at the end if it has none."""
    tag = script_tag(epoch)
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + b"\n" + tag
    at = ends[-1].start()
    return page[:at] + tag + page[at:]


def source_excerpt(text: str, line: int, around: int = 2) -> Excerpt:
    """Return the numbered source lines around ``line`` (1-based), for showing beside a problem."""
    lines = text.splitlines()
    first, last = max(1, line - around), min(len(lines), line + around)
    return tuple((n, lines[n - 1][:EXCERPT_WIDTH]) for n in range(first, last + 1))


def state_message(epoch: int, problems: Sequence[Diagnostic], excerpts: Sequence[Excerpt] = ()) -> bytes:
    """Return one Server-Sent Events message carrying the build state (``excerpts`` align with ``problems``)."""
    data = json.dumps({
        "epoch": epoch,
        "problems": [
            {"path": d.path, "line": d.line, "message": d.message,
             "excerpt": [list(row) for row in excerpts[i]] if i < len(excerpts) else []}
            for i, d in enumerate(problems)
        ],
    }, ensure_ascii=True)
    return f"event: state\ndata: {data}\n\n".encode("ascii")


def error_page(problems: Sequence[Diagnostic], epoch: int, excerpts: Sequence[Excerpt] = ()) -> bytes:
    """Return a whole HTML page listing build problems, for when no good build exists yet."""
    items = "\n".join(
        f'<li><strong class="newsbite-error-location">{html.escape(d.path)}:{d.line}</strong>: '
        f"{html.escape(d.message)}{_excerpt_html(excerpts[i], d.line) if i < len(excerpts) else ''}</li>"
        for i, d in enumerate(problems)
    )
    count = f"{len(problems)} problem{'' if len(problems) == 1 else 's'}"
    page = f"""<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Build failed</title>
<style>body{{margin:0;padding:2rem;background:#141418;color:#f3f3f3;font:15px/1.5 ui-monospace,monospace;
overflow-wrap:anywhere}}
h1{{font:600 20px/1.3 system-ui,sans-serif;color:#ff8a80}}p{{font:14px/1.4 system-ui,sans-serif;color:#bbb}}
pre{{padding:.75rem;background:#000;border-radius:4px;overflow:auto;color:#aaa;white-space:pre-wrap}}pre span{{display:block}}
pre .here{{color:#ff8a80;font-weight:600}}</style>
</head>
<body>
<h1>Build failed: {count}</h1>
<ol>
{items}
</ol>
<p>Nothing has been built yet. Fix the file and save: this page updates by itself.</p>
</body>
</html>
"""
    return inject_reload_script(page.encode("utf-8"), epoch)


def _excerpt_html(excerpt: Excerpt, line: int) -> str:
    if not excerpt:
        return ""
    width = len(str(excerpt[-1][0]))
    rows = "\n".join(
        f'<span{" class=here" if n == line else ""}>{">" if n == line else " "} {n:>{width}} | {html.escape(text)}</span>'
        for n, text in excerpt
    )
    return f"<pre>{rows}</pre>"


def plain_page(status: int, title: str, message: str) -> bytes:
    """Return a minimal HTML page for the server's own answers (404 without a site 404 page, 400)."""
    return (
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>{status} {html.escape(title)}</title>'
        f"</head>\n<body><h1>{status} {html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>\n"
    ).encode("utf-8")
