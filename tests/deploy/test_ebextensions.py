"""`.ebextensions/` parses as YAML and names only Elastic Beanstalk options that exist."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CONFIGS = sorted((ROOT / ".ebextensions").glob("*.config"))

# From the AWS Elastic Beanstalk Developer Guide, "General options for all environments" and
# "Python platform options" (Configuration options / Option values). None: names are free-form.
KNOWN_OPTIONS: dict[str, set[str] | None] = {
    "aws:elasticbeanstalk:application": {"Application Healthcheck URL"},
    "aws:elasticbeanstalk:application:environment": None,
    "aws:elasticbeanstalk:cloudwatch:logs": {"StreamLogs", "DeleteOnTerminate", "RetentionInDays"},
    "aws:elasticbeanstalk:container:python": {"WSGIPath", "NumProcesses", "NumThreads"},
    "aws:elasticbeanstalk:environment": {"EnvironmentType", "LoadBalancerType", "LoadBalancerIsShared", "ServiceRole"},
    "aws:elasticbeanstalk:command": {"DeploymentPolicy", "Timeout", "BatchSizeType", "BatchSize", "IgnoreHealthCheck"},
    "aws:elasticbeanstalk:environment:process:default": {
        "DeregistrationDelay",
        "HealthCheckInterval",
        "HealthCheckPath",
        "HealthCheckTimeout",
        "HealthyThresholdCount",
        "MatcherHTTPCode",
        "Port",
        "Protocol",
        "StickinessEnabled",
        "StickinessLBCookieDuration",
        "StickinessType",
        "UnhealthyThresholdCount",
    },
    "aws:elasticbeanstalk:environment:proxy": {"ProxyServer"},
    "aws:autoscaling:updatepolicy:rollingupdate": {
        "MaxBatchSize",
        "MinInstancesInService",
        "RollingUpdateEnabled",
        "RollingUpdateType",
        "PauseTime",
        "Timeout",
    },
    # Option names are URL paths ("/static"), values folders in the bundle.
    "aws:elasticbeanstalk:environment:proxy:staticfiles": None,
    "aws:elasticbeanstalk:healthreporting:system": {
        "SystemType",
        "ConfigDocument",
        "EnhancedHealthAuthEnabled",
        "HealthCheckSuccessThreshold",
    },
    # "The default Application Load Balancer" options (Elastic Load Balancing v2).
    "aws:elbv2:loadbalancer": {
        "AccessLogsS3Bucket",
        "AccessLogsS3Enabled",
        "AccessLogsS3Prefix",
        "IdleTimeout",
        "ManagedSecurityGroup",
        "SecurityGroups",
    },
}
# Top-level keys a configuration file may have.
KNOWN_KEYS = {
    "option_settings",
    "packages",
    "groups",
    "users",
    "sources",
    "files",
    "commands",
    "services",
    "container_commands",
    "Resources",
    "Outputs",
}
CONTAINER_COMMAND_KEYS = {"command", "env", "cwd", "leader_only", "test", "ignoreErrors"}


def option_settings(config: dict) -> list[tuple[str, str, object]]:
    """Flatten both the shorthand (namespace: {name: value}) and the list syntax."""
    settings = config.get("option_settings") or []
    if isinstance(settings, dict):
        return [(ns, name, value) for ns, options in settings.items() for name, value in options.items()]
    return [
        (item.get("namespace", "aws:elasticbeanstalk:application:environment"), item["option_name"], item.get("value"))
        for item in settings
    ]


def all_settings() -> dict[tuple[str, str], object]:
    return {
        (ns, name): value for path in CONFIGS for ns, name, value in option_settings(yaml.safe_load(path.read_text()))
    }


def test_there_are_configuration_files():
    assert CONFIGS


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_parses_as_yaml_with_known_keys(path):
    config = yaml.safe_load(path.read_text())

    assert isinstance(config, dict)
    assert set(config) <= KNOWN_KEYS
    assert "\t" not in path.read_text()


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_config_names_only_options_that_exist(path):
    for namespace, name, value in option_settings(yaml.safe_load(path.read_text())):
        assert namespace in KNOWN_OPTIONS, f"{path.name}: unknown namespace {namespace}"
        known = KNOWN_OPTIONS[namespace]
        if known is not None:
            assert name in known, f"{path.name}: {namespace} has no option {name!r}"
        if namespace == "aws:elasticbeanstalk:environment:proxy:staticfiles":
            assert name.startswith("/")
        assert isinstance(value, str | int | bool), f"{path.name}: {namespace}/{name} is not a scalar"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_container_commands_are_well_formed(path):
    commands = yaml.safe_load(path.read_text()).get("container_commands") or {}
    for name, spec in commands.items():
        assert set(spec) <= CONTAINER_COMMAND_KEYS, name
        assert isinstance(spec["command"], str), name


def test_the_app_is_wired_for_beanstalk():
    settings = all_settings()

    assert settings[("aws:elasticbeanstalk:container:python", "WSGIPath")] == "frameseller.wsgi:application"
    assert settings[("aws:elasticbeanstalk:environment:process:default", "HealthCheckPath")] == "/api/health/"
    assert settings[("aws:elasticbeanstalk:application", "Application Healthcheck URL")] == "/api/health/"
    env = {
        name: value for (ns, name), value in settings.items() if ns == "aws:elasticbeanstalk:application:environment"
    }
    assert env["DJANGO_ENV"] == "production"
    assert env["DJANGO_DEBUG"] == "0"
    assert env["SERVE_FRONTEND"] == "0"
    assert env["DJANGO_NUM_PROXIES"] == "2"
    # STATIC_ROOT is "staticfiles": nginx must look there.
    assert settings[("aws:elasticbeanstalk:environment:proxy:staticfiles", "/static")] == "staticfiles"


def container_commands() -> dict[str, dict]:
    """Every container command, in the order Beanstalk runs them on the leader.

    Leader-only commands run before the others, whatever their names; within each group, by name
    ("leader_only", Customizing software on Linux servers, Elastic Beanstalk Developer Guide).
    """
    commands = {}
    for path in CONFIGS:
        commands.update(yaml.safe_load(path.read_text()).get("container_commands") or {})
    return dict(sorted(commands.items(), key=lambda item: (not item[1].get("leader_only"), item[0])))


RELEASE_SCRIPT = ROOT / ".platform" / "scripts" / "release.sh"


def release_steps() -> list[str]:
    """The manage.py commands .platform/scripts/release.sh runs, in order."""
    return re.findall(r"^manage (.+)$", RELEASE_SCRIPT.read_text(), re.M)


def test_the_leader_runs_the_release_script_first():
    commands = container_commands()

    name, first = next(iter(commands.items()))
    assert first["command"] == "bash .platform/scripts/release.sh"
    assert first["leader_only"] is True
    # migrate, the cache table and the catalog run there only.
    for others in list(commands.values())[1:]:
        for step in ("migrate", "load_catalog"):
            assert f"manage.sh {step}" not in others["command"], name


def test_the_release_checks_the_deployment_before_it_migrates():
    steps = release_steps()

    assert steps[0] == 'check --deploy --fail-level "${DJANGO_CHECK_FAIL_LEVEL:-WARNING}"'
    assert [step.split()[0] for step in steps] == ["check", "migrate", "load_catalog"]
    assert "set -euo pipefail" in RELEASE_SCRIPT.read_text()


def test_a_failing_check_stops_the_release_before_migrate(tmp_path):
    """Run release.sh with a manage.sh whose check fails: nothing after it runs."""
    scripts = tmp_path / ".platform" / "scripts"
    scripts.mkdir(parents=True)
    shutil.copy(RELEASE_SCRIPT, scripts / "release.sh")
    log = tmp_path / "ran.log"
    (scripts / "manage.sh").write_text(f'echo "$1" >> {log}\n[ "$1" != check ]\n')

    done = subprocess.run(["bash", str(scripts / "release.sh")], capture_output=True, text=True)

    assert done.returncode != 0
    assert log.read_text().split() == ["check"]


def test_every_instance_checks_its_environment_and_collects_static_files():
    settings = all_settings()
    commands = [spec for spec in container_commands().values() if not spec.get("leader_only")]

    assert [spec["command"] for spec in commands] == [
        'bash .platform/scripts/manage.sh check --deploy --fail-level "${DJANGO_CHECK_FAIL_LEVEL:-WARNING}"',
        "bash .platform/scripts/manage.sh collectstatic --noinput -v0",
    ]
    assert settings[("aws:elasticbeanstalk:application:environment", "DJANGO_CHECK_FAIL_LEVEL")] == "WARNING"


def test_the_cache_is_redis_set_per_environment_never_the_database():
    settings = all_settings()

    # check --deploy refuses the database cache (frameseller.E004): REDIS_URL is set per environment.
    assert ("aws:elasticbeanstalk:application:environment", "DJANGO_CACHE") not in settings
    assert "createcachetable" not in RELEASE_SCRIPT.read_text()


def test_the_environment_gets_an_application_load_balancer():
    settings = all_settings()

    assert settings[("aws:elasticbeanstalk:environment", "LoadBalancerType")] == "application"
    assert isinstance(settings[("aws:elbv2:loadbalancer", "IdleTimeout")], int)


def test_no_secret_is_in_the_repository():
    for path in CONFIGS:
        text = path.read_text()
        for secret in ("DJANGO_SECRET_KEY:", "STRIPE_SECRET_KEY:", "STRIPE_PUBLISHABLE_KEY:", "RDS_PASSWORD:"):
            assert secret not in text, f"{path.name} sets {secret}"


def test_mysqlclient_is_built_against_the_unversioned_mariadb_connector():
    (python,) = [yaml.safe_load(path.read_text()) for path in CONFIGS if "packages" in yaml.safe_load(path.read_text())]
    packages = set(python["packages"]["yum"])

    assert {"mariadb-connector-c-devel", "pkgconf-pkg-config", "gcc"} <= packages
    # A versioned client (mariadb105-devel…) conflicts with newer MariaDB packages.
    assert not [name for name in packages if re.fullmatch(r"mariadb\d+-devel", name)]
    # Older mysqlclient looks for pkg-config names mysqlclient and mariadb only, not libmariadb.
    (pin,) = re.findall(r"^mysqlclient==([\d.]+)$", (ROOT / "requirements.txt").read_text(), re.M)
    assert tuple(int(part) for part in pin.split(".")) >= (2, 2, 1)
