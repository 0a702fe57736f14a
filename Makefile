# Every target creates .venv on first use, so a fresh clone needs only Python 3.11+ and make.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve build test check lighthouse screenshots bench bench-images clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# setuptools explains editable installs in a block of asterisks on every install: nothing to act on.
	PYTHONWARNINGS="ignore:Editable installation" $(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

serve: $(STAMP)
	$(BIN)/newsbite serve

build: $(STAMP)
	$(BIN)/newsbite build

test: $(STAMP)
	$(BIN)/python -m pytest -q

check: $(STAMP)
	$(BIN)/newsbite check

# Lighthouse on every kind of page of the sample site (needs npm and /usr/bin/chromium).
lighthouse: $(STAMP)
	bench/lighthouse.sh

# The README's screenshots of a briefing at 1280 and 390 px (needs /usr/bin/chromium).
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

# Issue 10's performance table, side by side with Hugo at 10,000 and 1,000 articles (bench/README.md);
# add the 100,000-article row with `make bench BENCH_ARGS="--big 100000"`, Pelican with "--pelican".
bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# The pictures rows (bench/README.md): 1,000 articles with a 2400-px JPEG hero each, beside Hugo
# resizing the same pictures to WebP; `make bench-images BENCH_ARGS="--runs 1"` for one run of each.
bench-images: $(STAMP)
	$(BIN)/python bench/images.py $(BENCH_ARGS)

clean:
	rm -rf public .newsbite-cache
