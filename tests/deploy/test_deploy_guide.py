"""The guide's options.json gives the environment everything `check --deploy` requires in production.

docs/deploy.md, step 6, lists the per-environment properties and secrets; the shared defaults are in
.ebextensions/. Together they must pass the production checks (tests/test_production_checks.py), or
a deployment following the guide fails at its first step.
"""

import json
import re
from pathlib import Path

from tests.deploy.test_ebextensions import all_settings
from tests.test_production_checks import COMPLETE

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "deploy.md"
PROPERTIES = "aws:elasticbeanstalk:application:environment"
SECRETS = "aws:elasticbeanstalk:application:environmentsecrets"


def documented_options() -> list[dict]:
    (block,) = [b for b in re.findall(r"```json\n(.*?)```", GUIDE.read_text(), re.S) if '"OptionName"' in b]
    return json.loads(block)


def test_the_guides_options_and_the_bundles_defaults_give_what_production_requires():
    options = documented_options()
    given = {o["OptionName"]: o["Value"] for o in options if o["Namespace"] in (PROPERTIES, SECRETS)}
    given |= {name: value for (namespace, name), value in all_settings().items() if namespace == PROPERTIES}
    # The guide gives the database as Beanstalk's RDS_* variables, not DATABASE_URL.
    required = set(COMPLETE) - {"DATABASE_URL"} | {"RDS_HOSTNAME", "RDS_USERNAME", "RDS_PASSWORD"}

    assert required - set(given) == set()
    assert given["PHOTOS_STORAGE"] == "s3"


def test_credentials_are_environment_secrets_never_plain_properties():
    options = documented_options()
    secrets = {o["OptionName"] for o in options if o["Namespace"] == SECRETS}

    assert {"DJANGO_SECRET_KEY", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "RDS_PASSWORD", "EMAIL_URL"} <= secrets
