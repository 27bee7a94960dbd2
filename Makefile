# RAIL course: the two commands a newcomer needs are `make lab` and `make test`.
# Both set up .venv on first use; nothing else has to be installed by hand but Python 3.11
# (`make test` also installs the Debian packages the grader's tests need, see
# scripts/system-packages.sh).

PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# Where `make lab` opens: the course index.
INDEX  := index.ipynb
# Extra options for pytest, e.g. `make test PYTEST_OPTS="-x -k datasets"`.
PYTEST_OPTS ?=

MODULES := $(notdir $(wildcard solutions/*))

# Instructors: the module a cohort command works on, e.g. `make autograde MODULE=00-orientation`.
MODULE ?=
# Submissions graded at once (default: one per core) and other options of rail.instructor.
JOBS   ?= 0
GRADER_OPTS ?=

# nbgrader calls tools of its environment (alembic) by name: put the venv first on PATH.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: help setup system-packages lab test lint exercises datasets bench clean \
        hub release collect autograde feedback grades report module-given

help:
	@echo "make lab        open the course in JupyterLab (sets up .venv on first use)"
	@echo "make test       run the whole test suite (sets up .venv on first use)"
	@echo "make setup      create .venv with the pinned course and test requirements"
	@echo "make exercises  regenerate exercises/ from solutions/ with nbgrader"
	@echo "make datasets   regenerate the committed CSVs in datasets/"
	@echo "make lint       ruff on the Python code (also part of make test)"
	@echo "make bench      notebook run times and memory, and the grading benchmark"
	@echo "make hub        a demo class on this machine: JupyterHub, an instructor and three"
	@echo "                trainees (run as root; HUB_OPTS=\"--port 8000 --ip 0.0.0.0\")"
	@echo
	@echo "Instructors (see docs/instructors.md), each with MODULE=<module id>:"
	@echo "make release    check the module's solution under the grader, record its time"
	@echo "                budget, and release the module to trainees (nbgrader exchange)"
	@echo "make collect    collect the trainees' submissions"
	@echo "make autograde  grade every submission: sandboxed, in parallel (JOBS=n)"
	@echo "make feedback   generate the feedback and release it to trainees"
	@echo "make grades     export every grade to grades.csv"
	@echo "make report     score distribution and per-task difficulty (reports/)"

# The stamp is rebuilt whenever a requirements file or the package metadata changes.
$(BIN)/.rail-installed: requirements.txt requirements-test.txt pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "RAIL needs Python 3.11, found " + sys.version.split()[0]' \
	  || { echo "Set PYTHON to a Python 3.11 interpreter, e.g. make PYTHON=/usr/bin/python3.11"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip==26.3
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt
	$(PY) -m pip install --quiet --no-deps --editable .
	touch $@

setup: $(BIN)/.rail-installed

system-packages:
	@bash scripts/system-packages.sh

# Jupyter refuses to run as root unless told; containers and some servers only have root.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

# Without a hub: no Assignments tab (no exchange), notebooks open unmodified (rail.hub.roles).
SELF_STUDY := $(abspath $(VENV))/etc/rail/self-study

lab: setup
	@$(PY) -m rail.hub.roles --self-study --out $(VENV)/etc/rail >/dev/null
	JUPYTER_CONFIG_PATH="$(SELF_STUDY)$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}" \
	  $(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/$(INDEX) $(ALLOW_ROOT)

# Options of python -m rail.hub, e.g. HUB_OPTS="--ip 0.0.0.0 --port 8000".
HUB_OPTS ?=

hub: setup
	$(PY) -m rail.hub $(HUB_OPTS)

test: setup system-packages
	$(PY) -m pytest $(PYTEST_OPTS)

lint: setup
	$(BIN)/ruff check src tests benchmarks deploy conftest.py nbgrader_config.py

# What a solution writes beside itself when an instructor runs it in place (module 07's report
# holds the model answers): deleted before nbgrader copies a module's folder to trainees.
SOLUTION_OUTPUTS := audit_report.html

exercises: setup
	rm -rf exercises/*
	rm -f $(foreach f,$(SOLUTION_OUTPUTS),solutions/*/$(f))
	for module in $(MODULES); do $(BIN)/nbgrader generate_assignment "$$module" --force --quiet || exit 1; done

datasets: setup
	$(PY) -m rail.datasets rebuild datasets

bench: setup system-packages
	$(PY) benchmarks/notebooks.py
	$(PY) benchmarks/grading.py

# --- instructors: one cohort, one module at a time -------------------------------------

module-given:
	@test -n "$(MODULE)" || { echo "Say which module, e.g. make $(MAKECMDGOALS) MODULE=00-orientation (one of: $(MODULES))"; exit 2; }
	@test -d "solutions/$(MODULE)" || { echo "No module '$(MODULE)'; the modules are: $(MODULES)"; exit 2; }

release: setup module-given
	rm -f $(foreach f,$(SOLUTION_OUTPUTS),solutions/$(MODULE)/$(f))
	$(BIN)/nbgrader generate_assignment "$(MODULE)" --force --quiet
	$(PY) -m rail.instructor budget "$(MODULE)"
	$(BIN)/nbgrader release_assignment "$(MODULE)" --force

collect: setup module-given
	$(BIN)/nbgrader collect "$(MODULE)"

autograde: setup module-given
	$(PY) -m rail.instructor autograde "$(MODULE)" --jobs $(JOBS) $(GRADER_OPTS)

feedback: setup module-given
	$(BIN)/nbgrader generate_feedback "$(MODULE)"
	$(BIN)/nbgrader release_feedback "$(MODULE)"

grades: setup
	$(BIN)/nbgrader export --to grades.csv

report: setup module-given
	$(PY) -m rail.instructor report "$(MODULE)" --out "reports/$(MODULE).png" --csv "reports/$(MODULE).csv"

clean:
	rm -rf $(VENV) gradebook.db .pytest_cache
