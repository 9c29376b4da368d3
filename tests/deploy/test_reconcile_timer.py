"""The reconcile timer on an instance: its environment (secrets included), its log, its alarms.

The platform's `get-config` is stood in for by a script answering what the platform documents;
the environment file, the status lines and the CloudWatch configuration are the real ones.
"""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / ".platform" / "scripts"
HOOK = ROOT / ".platform" / "hooks" / "postdeploy" / "10_reconcile_timer.sh"
LOGS_CONFIG = ROOT / ".ebextensions" / "06_reconcile_logs.config"
LOG_FILE = "/var/log/frameseller/reconcile.log"

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


def status_line(**environment) -> str:
    done = subprocess.run(
        ["bash", str(SCRIPTS / "reconcile_status.sh")], env=environment, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def filter_phrase(resource: str) -> str:
    """The phrase a CloudWatch Logs filter pattern `"some words"` matches."""
    pattern = yaml.safe_load(LOGS_CONFIG.read_text())["Resources"][resource]["Properties"]["FilterPattern"]
    assert re.fullmatch(r'"[^"]+"', pattern), pattern
    return pattern.strip('"')


def test_each_run_ends_with_a_line_the_alarms_count():
    success = status_line(SERVICE_RESULT="success", EXIT_CODE="exited", EXIT_STATUS="0")
    failure = status_line(SERVICE_RESULT="exit-code", EXIT_CODE="exited", EXIT_STATUS="1")
    crash = status_line()

    finished, failed = filter_phrase("ReconcileRunsFilter"), filter_phrase("ReconcileFailuresFilter")
    assert finished in success and failed not in success
    assert failed in failure and finished not in failure
    assert failed in crash
    assert "exit-code" in failure and "1" in failure


def test_the_log_file_is_what_the_unit_writes_and_the_platform_collects():
    unit = HOOK.read_text()
    files = yaml.safe_load(LOGS_CONFIG.read_text())["files"]

    assert f"StandardOutput=append:{LOG_FILE}" in unit
    assert f"StandardError=append:{LOG_FILE}" in unit
    assert "ExecStopPost=/bin/bash $app/.platform/scripts/reconcile_status.sh" in unit
    assert files["/opt/elasticbeanstalk/tasks/taillogs.d/frameseller-reconcile.conf"]["content"].split() == [LOG_FILE]
    assert files["/opt/elasticbeanstalk/tasks/bundlelogs.d/frameseller-reconcile.conf"]["content"].split() == [
        f"{LOG_FILE}*"
    ]


def resolve(value, environment_name: str):
    """Evaluate the CloudFormation functions the configuration uses (Ref of the environment name, Fn::Join)."""
    if isinstance(value, dict) and value.keys() == {"Ref"}:
        assert value["Ref"] == "AWSEBEnvironmentName", value
        return environment_name
    if isinstance(value, dict) and value.keys() == {"Fn::Join"}:
        separator, parts = value["Fn::Join"]
        return separator.join(resolve(part, environment_name) for part in parts)
    return value


def test_cloudwatch_streams_the_log_into_the_group_the_alarms_watch():
    config = yaml.safe_load(LOGS_CONFIG.read_text())
    agent = config["files"]["/opt/aws/amazon-cloudwatch-agent/etc/frameseller-reconcile.json"]["content"]
    # Beanstalk replaces `{...}` with the function's value ("Operators" in ebextensions).
    agent = re.sub(r"`(\{.*?\})`", lambda match: resolve(json.loads(match[1]), "frameseller-prod"), agent)

    (collected,) = json.loads(agent)["logs"]["logs_collected"]["files"]["collect_list"]
    group = resolve(config["Resources"]["ReconcileLogGroup"]["Properties"]["LogGroupName"], "frameseller-prod")
    assert collected["file_path"] == LOG_FILE
    assert collected["log_group_name"] == group == f"/aws/elasticbeanstalk/frameseller-prod{LOG_FILE}"
    # The platform's instance profile may write to /aws/elasticbeanstalk* groups.
    assert group.startswith("/aws/elasticbeanstalk/")


def test_every_alarm_watches_a_metric_a_filter_makes_and_mails_the_alerts_topic():
    resources = yaml.safe_load(LOGS_CONFIG.read_text())["Resources"]
    made = {
        (resolve(t["MetricNamespace"], "env"), t["MetricName"])
        for resource in resources.values()
        if resource["Type"] == "AWS::Logs::MetricFilter"
        for t in resource["Properties"]["MetricTransformations"]
    }
    alarms = [r["Properties"] for r in resources.values() if r["Type"] == "AWS::CloudWatch::Alarm"]

    assert {(resolve(alarm["Namespace"], "env"), alarm["MetricName"]) for alarm in alarms} == made
    for alarm in alarms:
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
    for resource in resources.values():
        if resource["Type"] == "AWS::Logs::MetricFilter":
            assert resource["Properties"]["LogGroupName"] == {"Ref": "ReconcileLogGroup"}
    assert resources["AlertsTopic"]["Type"] == "AWS::SNS::Topic"
    silent = resources["ReconcileSilentAlarm"]["Properties"]
    assert silent["TreatMissingData"] == "breaching"  # no run at all is the failure it is for


@pytest.mark.parametrize(
    "script",
    sorted(p for p in (ROOT / ".platform").rglob("*.sh")),
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_platform_scripts_parse(script):
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)

    assert done.returncode == 0, done.stderr
