#!/usr/bin/env bash
# Lighthouse scores for every kind of page of the sample site, served over HTTP on 127.0.0.1.
#
#   bench/lighthouse.sh [ARTICLE_PATH]      (default: /2022/01/russia-troops-kazakhstan/)
#
# Needs Node.js with npm and Chromium (CHROME_PATH, default /usr/bin/chromium). Lighthouse 12.2.3
# is installed once into LIGHTHOUSE_DIR (default ~/.cache/newsbite-lighthouse), outside the repo.
# The site is built with base_url set to the local server, so canonical links and robots.txt
# match what Lighthouse fetches. Prints one line per page and category; exits 1 when a score
# misses its target (accessibility, SEO, best practices 100; performance 95).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
article="${1:-/2022/01/russia-troops-kazakhstan/}"
lighthouse_dir="${LIGHTHOUSE_DIR:-$HOME/.cache/newsbite-lighthouse}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
python="${PYTHON:-$here/.venv/bin/python}"
port="${PORT:-8765}"

if [ ! -x "$lighthouse_dir/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$lighthouse_dir"
  (cd "$lighthouse_dir" && { [ -f package.json ] || echo '{"private": true}' > package.json; } \
    && npm install --silent --no-audit --no-fund lighthouse@12.2.3)
fi

work="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

base="http://127.0.0.1:$port/"
cp -r "$here/content" "$here/site.yaml" "$work/"
# LIGHTHOUSE_HERO=photo.jpg: the article's hero becomes that picture (the pictures row of
# bench/README.md: a camera-sized photo of 3000 px and more, which the build publishes in sizes).
if [ -n "${LIGHTHOUSE_HERO:-}" ]; then
  # The article's file: the one whose slug is the URL's last part, else named after it.
  slug="$(basename "$article")"
  source_md="$(grep -rl --include='*.md' "^slug: $slug\$" "$work/content" || true)"
  [ -n "$source_md" ] || source_md="$(find "$work/content" -name "$slug.md" | head -1)"
  cp "$LIGHTHOUSE_HERO" "$(dirname "$source_md")/lighthouse-hero.jpg"
  sed -i 's/^  src: .*/  src: lighthouse-hero.jpg/' "$source_md"
  echo "hero: $LIGHTHOUSE_HERO ($(stat -c %s "$LIGHTHOUSE_HERO") bytes) in $source_md"
fi
"$python" -m generator build --site "$work" --output "$work/public" --base-url "$base" >/dev/null
"$python" -m http.server "$port" --bind 127.0.0.1 --directory "$work/public" >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 50); do
  if "$python" -c "import urllib.request; urllib.request.urlopen('$base')" 2>/dev/null; then break; fi
  sleep 0.1
done

status=0
# Every kind of page: home, a briefing, a topic, the topics index, search, and the author, source
# and date-archive pages where the build writes them.
paths=(/ "$article" /topics/ /topics/vladimir-putin/ /search/)
for extra in /authors/ /sources/ /archive/ /2022/ /2022/01/; do
  if [ -f "$work/public${extra}index.html" ]; then paths+=("$extra"); fi
done
for index in authors sources; do
  first="$(find "$work/public/$index" -mindepth 2 -maxdepth 2 -name index.html 2>/dev/null | sort | head -1 || true)"
  if [ -n "$first" ]; then paths+=("${first#"$work/public"}"); paths[-1]="${paths[-1]%index.html}"; fi
done
for path in "${paths[@]}"; do
  name="$(echo "$path" | tr -c 'a-zA-Z0-9\n' '_')"
  "$lighthouse_dir/node_modules/.bin/lighthouse" "${base%/}$path" --quiet --output=json \
    --output-path="$work/$name.json" \
    --only-categories=performance,accessibility,best-practices,seo \
    --chrome-flags="--headless --no-sandbox --disable-gpu --disable-background-networking"
  "$python" - "$work/$name.json" "$path" <<'PY' || status=1
import json, sys
report = json.load(open(sys.argv[1]))
targets = {"performance": 95, "accessibility": 100, "best-practices": 100, "seo": 100}
missed = False
for key, target in targets.items():
    category = report["categories"][key]
    score = round(category["score"] * 100)
    print(f"{sys.argv[2]:45} {category['title']:15} {score:3d}  (target {target})")
    if score < target:
        missed = True
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                print(f"    - {audit['id']}: {audit['title']}")
# SPEC section 9: no picture without its size, none bigger than it is shown.
for audit_id in ("unsized-images", "uses-responsive-images", "modern-image-formats", "offscreen-images"):
    audit = report["audits"].get(audit_id)
    if audit is not None:
        found = len((audit.get("details") or {}).get("items") or [])
        print(f"{sys.argv[2]:45} {audit_id:24} {'pass' if audit['score'] in (1, None) else 'FAIL'} ({found} items)")
        for item in (audit.get("details") or {}).get("items") or []:
            print(f"{'':47}{item.get('url', '')}: {item.get('wastedBytes', 0):.0f} bytes to save")
        missed = missed or (audit["score"] not in (1, None) and audit_id in ("unsized-images", "uses-responsive-images"))
sys.exit(1 if missed else 0)
PY
done
exit "$status"
