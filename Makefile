# Everyday commands. Each one creates the virtual environment .venv first if it
# is missing or older than requirements.txt / pyproject.toml.
#
#   make book        build the website into book/_build/html
#   make test        run every test (notebooks, grader, website, helpers), on every core
#   make test-fast   the fast tier: every check on the solution and every wrong answer, run in-process,
#                    and every test under a second (no kernel, no grading, no website; docs/maintainers.md)
#   make lab         open JupyterLab on the exercises
#   make exercises   regenerate exercises/ from solutions/
#   make grade ASSIGNMENT=ch02_rnn_model SUBMISSIONS=folder [OUT=grades.csv] [FEEDBACK=1]

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
OUT ?= grades.csv

.PHONY: book test test-fast lab exercises grade clean chromium sandbox

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

# A failed build prints the pages' error reports (a missing data set shows the
# loader's message there) and removes the site and Sphinx's record of the pages,
# so the next build reads every page again instead of keeping their tracebacks.
# Executed pages stay cached in book/_build/.jupyter_cache either way.
book: $(READY)
	$(BIN)/jupyter-book build book --warningiserror --keep-going || { \
		cat book/_build/html/reports/*.err.log 2>/dev/null; \
		rm -rf book/_build/html book/_build/.doctrees; \
		echo "The book did NOT build: see the errors above. Nothing was left in book/_build/html."; \
		exit 1; }
	@echo "The website is in book/_build/html (open book/_build/html/index.html)."

# Tests sharing a chapter's graded folder, or the website build, stay on one worker (tests/conftest.py).
test: $(READY) chromium sandbox
	$(BIN)/python -m pytest -n $(shell nproc 2>/dev/null || echo 2) --dist loadgroup --durations=15

test-fast: $(READY)
	$(BIN)/python -m pytest -m "not slow" -n $(shell nproc 2>/dev/null || echo 2) --dist loadgroup

# The browser tests (tests/test_browser.py) drive Debian's Chromium. Installed
# here when missing and we may (root, or sudo without a password); otherwise
# say how, and those tests are skipped (they fail under CI).
chromium:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		elif command -v apt-get >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
			sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else \
			echo "Chromium is missing, so the browser tests will be skipped: install it (Debian/Ubuntu: sudo apt-get install chromium)."; \
		fi; }

lab: $(READY)
	$(BIN)/jupyter lab exercises

exercises: $(READY)
	$(BIN)/python -m autograder generate

grade: $(READY) sandbox
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
		{ echo "usage: make grade ASSIGNMENT=ch02_rnn_model SUBMISSIONS=folder [OUT=grades.csv] [FEEDBACK=1]"; exit 2; }
	$(BIN)/python -m autograder grade $(ASSIGNMENT) $(SUBMISSIONS) --out $(OUT) $(if $(FEEDBACK),--feedback)

# The grader runs submissions in bubblewrap's sandbox; installed here where it is missing (Debian/Ubuntu).
sandbox:
	@command -v bwrap >/dev/null || { echo "installing bubblewrap (the grader's sandbox)"; \
		$(if $(filter 0,$(shell id -u)),,sudo) sh -c 'apt-get update -qq && apt-get install -y -qq bubblewrap'; }

clean:
	rm -rf book/_build grading
