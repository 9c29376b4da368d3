#!/bin/bash
# The release steps, run on one instance (the leader) by one leader-only container command
# (.ebextensions/03_django.config), in this order, stopping at the first failure:
#
# 1. the deployment checklist, so that a misconfigured environment (no DJANGO_SECRET_KEY, HTTPS
#    settings off…) fails the deployment before anything changes: Beanstalk rolls neither the
#    code nor the schema back by itself;
# 2. migrations, then the starter catalog (its photos to S3, once).
#
# They share one command because Beanstalk runs leader-only commands before all the others,
# whatever their names: a separate check command would run after migrate on the leader.
set -euo pipefail

manage() {
  bash "$(dirname "${BASH_SOURCE[0]}")/manage.sh" "$@"
}

manage check --deploy --fail-level "${DJANGO_CHECK_FAIL_LEVEL:-WARNING}"
manage migrate --noinput
manage load_catalog
