#!/bin/bash
# Run manage.py from the application folder with the application's Python: the platform's
# virtualenv on an Elastic Beanstalk instance, else the first python on PATH (a local test).
set -eo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

shopt -s nullglob
venvs=(/var/app/venv/*/bin/activate)
shopt -u nullglob
if [ ${#venvs[@]} -gt 0 ]; then
  # shellcheck disable=SC1090
  . "${venvs[0]}"
fi

exec python manage.py "$@"
