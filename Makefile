# pkicourse: two commands for learners and instructors (see README.md).
#   make lab    set everything up, open your own copies of the lessons (my-notebooks/) in JupyterLab
#   make test   set everything up, run every test (lint, types, benchmark, unit tests, lessons)
#   make grade SUBMISSIONS=folder   grade a class (docs/INSTRUCTORS.md); grades go to grades/

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# nbgrader calls the `alembic` command it installs into the venv.
export PATH := $(abspath $(BIN)):$(PATH)
PIP    := $(BIN)/python -m pip install --quiet --disable-pip-version-check

# Open a browser only where there is a screen; headless machines just print the URL.
ifeq ($(shell uname -s),Darwin)
LAB_FLAGS ?=
else ifneq ($(DISPLAY)$(WAYLAND_DISPLAY),)
LAB_FLAGS ?=
else
LAB_FLAGS ?= --no-browser
endif

# Jupyter refuses to run as root (containers, CI) unless told that this is on purpose.
ifeq ($(shell id -u),0)
ROOT_FLAGS := --allow-root
endif

.PHONY: lab update-lessons test bench bench-lessons lint notebooks binder-lock grade clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "pkicourse needs Python 3.10 or newer; this is " + sys.version.split()[0] + ". Run: make PYTHON=python3.12 ...")'
	$(PYTHON) -m venv $(VENV)

# One stamp per extra: re-installs only when pyproject.toml changes.
# The course runs offline: JupyterLab is told not to ask for news or check for updates.
SETTINGS := $(VENV)/share/jupyter/lab/settings

$(VENV)/.lab: pyproject.toml binder/overrides.json | $(BIN)/python
	$(PIP) -e '.[lab]'
	@mkdir -p $(SETTINGS) && cp binder/overrides.json $(SETTINGS)/overrides.json
	@touch $@

$(VENV)/.test: pyproject.toml binder/overrides.json | $(BIN)/python
	$(PIP) -e '.[test]'
	@mkdir -p $(SETTINGS) && cp binder/overrides.json $(SETTINGS)/overrides.json
	@touch $@ $(VENV)/.lab $(VENV)/.grade

$(VENV)/.grade: pyproject.toml | $(BIN)/python
	$(PIP) -e '.[lab,grade]'
	@touch $@

# The learner works in their own copies (made on the first run, ignored by git), so `git pull`
# never collides with their answers; tools/my_notebooks.py says when the course updated a lesson.
MY_NOTEBOOKS ?= my-notebooks
lab: $(VENV)/.lab
	@$(BIN)/python tools/my_notebooks.py --mine "$(MY_NOTEBOOKS)"
	$(BIN)/jupyter lab $(LAB_FLAGS) $(ROOT_FLAGS) \
		--ServerApp.root_dir="$(MY_NOTEBOOKS)" --LabApp.default_url=/lab/tree/00-index.ipynb

# Take the course's new version of updated lessons (all, or LESSON=03-certificates): the learner's
# copy is kept as NN-name.mine-<date>.ipynb and their answers are carried over.
update-lessons: $(VENV)/.lab
	@$(BIN)/python tools/my_notebooks.py --mine "$(MY_NOTEBOOKS)" --update $(LESSON)

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

# Every benchmark: the lessons, and grading a small class with plain nbgrader and with
# pkicourse-grade (about 2 minutes more; `make test` runs only the lessons' benchmark).
bench: bench-lessons
	$(BIN)/python benchmarks/grading.py

bench-lessons: $(VENV)/.test
	$(BIN)/python benchmarks/lessons.py

test: lint bench-lessons
	$(BIN)/python -m pytest tests course/source --nbval-lax --durations=25

notebooks: $(VENV)/.test
	$(BIN)/python tools/learner_copies.py

# Refresh binder/requirements.txt: every package Binder installs, pinned for binder/runtime.txt's
# Python (tools/binder_lock.py). Needs the package registry; uv (installed on first use) makes it.
binder-lock: $(VENV)/.test
	$(BIN)/python tools/binder_lock.py

# Grade a class: SUBMISSIONS is a folder of submissions (submitted/<student>/<lesson>/ or an LMS
# download); GRADE_FLAGS passes options, e.g. GRADE_FLAGS="--student bob --timeout 20".
SUBMISSIONS ?= course/submitted
grade: $(VENV)/.grade
	$(BIN)/pkicourse-grade $(SUBMISSIONS) $(GRADE_FLAGS)

# Never deletes grades: grades/ and course/gradebook.db stay.
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache course/release
