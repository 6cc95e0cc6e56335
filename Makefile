# Everyday commands. Each one creates the virtual environment .venv first if it
# is missing or older than requirements.txt / pyproject.toml.
#
#   make book        build the website into book/_build/html
#   make test        run every test (notebooks, grader, website, helpers)
#   make lab         open JupyterLab on the exercises
#   make exercises   regenerate exercises/ from solutions/
#   make grade ASSIGNMENT=ch02_rnn_model SUBMISSIONS=folder [OUT=grades.csv] [FEEDBACK=1]

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
OUT ?= grades.csv

.PHONY: book test lab exercises grade clean sandbox

$(READY): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -e .
	touch $@

book: $(READY)
	$(BIN)/jupyter-book build book --warningiserror --keep-going
	@echo "The website is in book/_build/html (open book/_build/html/index.html)."

test: $(READY) sandbox
	$(BIN)/python -m pytest

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
