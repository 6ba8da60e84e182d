#!/usr/bin/env sh
# Build the cached Python 3.10 venv with Rasa 3.6.21 (~/.cache/canhgiac/rasa-3.6.21) used by
# `canhgiac nlu train --engine rasa` and the slow NLU tests. Idempotent: a ready venv is reused.
#   scripts/rasa_env.sh                 # build the venv if needed
#   scripts/rasa_env.sh train OUT_DIR   # ... and train the Rasa NLU model into OUT_DIR
set -eu
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
if [ "$#" -eq 0 ]; then
  set -- ensure
fi
exec "$PY" -m nlu.rasa_env "$@"
