#!/bin/sh
# make setup: the project and its tools into the virtualenv, one line per step (pip's own
# output goes to the log, shown when a step fails). Called by the Makefile:
#   sh tools/install.sh VENV STUBS
set -u
PY=$1/bin/python
VENV=$1
STUBS=$2
LOG=$VENV/install.log
: >"$LOG"
PIP="$PY -m pip install --disable-pip-version-check"
echo "tla: installing the project and its tools into $VENV, about a minute the first time (log: $LOG)"
n=0
step() {
  n=$((n + 1))
  what=$1
  shift
  start=$(date +%s)
  printf 'tla:   %d/3 %s ... ' "$n" "$what"
  if "$@" >>"$LOG" 2>&1; then
    echo "done ($(($(date +%s) - start)) s)"
  else
    echo "failed"
    tail -40 "$LOG"
    echo "tla: installation failed (see $LOG)"
    exit 1
  fi
}
step "pip itself" $PIP --upgrade pip
step "tla and its tools (pyscard is built, fastapi, micropython, pyright, playwright...)" \
  $PIP -e '.[dev]'
STUB_PKGS=$($PY -c 'import tomllib; print(" ".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["mpy-stubs"]))')
# shellcheck disable=SC2086  # one word per package
step "MicroPython's type stubs, beside the venv (make lint)" \
  $PIP --upgrade --target "$STUBS" $STUB_PKGS
