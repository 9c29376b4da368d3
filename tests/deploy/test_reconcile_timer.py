"""The reconcile timer on an instance: its environment, secrets included.

The platform's `get-config` is stood in for by a script answering what the platform documents;
the environment file is the real one.
"""

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".platform" / "scripts"

ENVIRONMENT = {
    "DJANGO_ALLOWED_HOSTS": "api.example.com",
    "RDS_HOSTNAME": "db.example.internal",
    "DJANGO_CACHE": "db",
}
SECRETS = {
    "DJANGO_SECRET_KEY": "arn:aws:secretsmanager:eu-west-1:123456789012:secret:frameseller/prod/django-AbCd12",
    "STRIPE_SECRET_KEY": "arn:aws:ssm:eu-west-1:123456789012:parameter/frameseller/prod/stripe-secret-key",
}


@pytest.fixture
def get_config(tmp_path):
    """A stand-in for /opt/elasticbeanstalk/bin/get-config ("Platform script tools", Elastic Beanstalk guide)."""
    answers = {
        "environment": ENVIRONMENT,
        "optionsettings": {
            "aws:elasticbeanstalk:application:environment": ENVIRONMENT,
            "aws:elasticbeanstalk:application:environmentsecrets": SECRETS,
        },
    }
    tool = tmp_path / "get-config"
    tool.write_text(f"#!{sys.executable}\nimport json, sys\nprint(json.dumps({answers!r}[sys.argv[1]]))\n")
    tool.chmod(0o755)
    return tool


def reconcile_env(get_config, **hook_environment) -> subprocess.CompletedProcess:
    env = {"PATH": os.environ["PATH"], **hook_environment}
    return subprocess.run(
        [sys.executable, str(SCRIPTS / "reconcile_env.py"), str(get_config)], env=env, capture_output=True, text=True
    )


def environment_file(text: str) -> dict[str, str]:
    """Read NAME="value" lines the way systemd's EnvironmentFile= does (backslash escapes in quotes)."""
    variables = {}
    for line in text.splitlines():
        match = re.fullmatch(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"', line)
        assert match, line
        variables[match[1]] = re.sub(r"\\(.)", r"\1", match[2])
    return variables


def test_the_timer_gets_the_properties_and_the_secrets_values(get_config):
    secret_key = 'a"b\\c $HOME d'
    done = reconcile_env(get_config, DJANGO_SECRET_KEY=secret_key, STRIPE_SECRET_KEY="sk_live_x", OTHER="not app's")

    assert done.returncode == 0, done.stderr
    assert environment_file(done.stdout) == {
        **ENVIRONMENT,
        "DJANGO_SECRET_KEY": secret_key,  # the value the platform fetched, never the ARN
        "STRIPE_SECRET_KEY": "sk_live_x",
    }


def test_a_secret_the_platform_did_not_resolve_stops_the_deployment(get_config):
    done = reconcile_env(get_config, DJANGO_SECRET_KEY="s3cret")

    assert done.returncode != 0
    assert "STRIPE_SECRET_KEY" in done.stderr
    assert done.stdout == ""


def test_a_value_on_several_lines_is_refused(get_config):
    done = reconcile_env(get_config, DJANGO_SECRET_KEY="one\ntwo", STRIPE_SECRET_KEY="x")

    assert done.returncode != 0
    assert "DJANGO_SECRET_KEY" in done.stderr


def test_the_environment_script_runs_on_the_instances_python_3_9():
    ast.parse((SCRIPTS / "reconcile_env.py").read_text(), feature_version=(3, 9))


@pytest.mark.parametrize(
    "script",
    sorted(p for p in (ROOT / ".platform").rglob("*.sh")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_platform_scripts_parse(script):
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
