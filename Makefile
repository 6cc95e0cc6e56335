# Everyday commands. Each one creates the virtual environment .venv first if it
# is missing or older than requirements.txt / pyproject.toml.
#
#   make book        build the website into book/_build/html
#   make test        run every test (notebooks, grader, website, helpers), on every core
#   make test-fast   the fast tier: checks against every wrong answer, helpers (no nbgrader, no website)
#   make lab         open JupyterLab on the exercises
#   make exercises   regenerate exercises/ from solutions/
#   make grade ASSIGNMENT=ch02_rnn_model SUBMISSIONS=folder [OUT=grades.csv] [FEEDBACK=1]

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
OUT ?= grades.csv

.PHONY: book test test-fast lab exercises grade clean

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

book: $(READY)
	$(BIN)/jupyter-book build book --warningiserror --keep-going
	@echo "The website is in book/_build/html (open book/_build/html/index.html)."

# Tests sharing a chapter's graded folder, or the website build, stay on one worker (tests/conftest.py).
test: $(READY)
	$(BIN)/python -m pytest -n $(shell nproc 2>/dev/null || echo 2) --dist loadgroup --durations=15

test-fast: $(READY)
	$(BIN)/python -m pytest -m "not slow" -n $(shell nproc 2>/dev/null || echo 2) --dist loadgroup

lab: $(READY)
	$(BIN)/jupyter lab exercises

exercises: $(READY)
	$(BIN)/python -m autograder generate

grade: $(READY)
	@test -n "$(ASSIGNMENT)" -a -n "$(SUBMISSIONS)" || \
		{ echo "usage: make grade ASSIGNMENT=ch02_rnn_model SUBMISSIONS=folder [OUT=grades.csv] [FEEDBACK=1]"; exit 2; }
	$(BIN)/python -m autograder grade $(ASSIGNMENT) $(SUBMISSIONS) --out $(OUT) $(if $(FEEDBACK),--feedback)

clean:
	rm -rf book/_build grading
