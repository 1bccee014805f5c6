#!/usr/bin/env bash
# Run the whole suite; "no tests collected" (pytest exit 5) is a failure, never a silent pass.
set -uo pipefail
cd "$(dirname "$0")/.."
export QT_QPA_PLATFORM=offscreen
[ "$(id -u)" -eq 0 ] && export QTWEBENGINE_DISABLE_SANDBOX=1
.venv/bin/ruff check gif_app tests bench || exit 1
.venv/bin/mypy || exit 1
.venv/bin/python -m pytest "$@"
code=$?
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests: failing on purpose." >&2
  exit 1
fi
exit "$code"
