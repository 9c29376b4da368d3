"""Deployments and restarts never cut a purchase in flight.

A purchase can take CALLS_PER_PURCHASE × worst_case_seconds() (90 s with the defaults). While an
instance is replaced, the load balancer must wait that long for it (DeregistrationDelay), and when
the web process restarts, gunicorn (graceful_timeout) and systemd (TimeoutStopSec) must too.
"""

import re
import runpy
from pathlib import Path

from orders.checks import CALLS_PER_PURCHASE
from orders.payments import worst_case_seconds
from tests.deploy.test_ebextensions import all_settings

ROOT = Path(__file__).resolve().parents[2]
GRACEFUL_STOP_HOOK = ROOT / ".platform" / "hooks" / "predeploy" / "10_graceful_stop.sh"


def purchase_worst_case() -> float:
    return CALLS_PER_PURCHASE * worst_case_seconds()


def gunicorn_defaults(monkeypatch) -> dict:
    for name in ("GUNICORN_TIMEOUT", "GUNICORN_GRACEFUL_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_deployments_go_in_batches_not_all_at_once():
    policy = all_settings()[("aws:elasticbeanstalk:command", "DeploymentPolicy")]

    assert policy in {"Rolling", "RollingWithAdditionalBatch", "Immutable"}


def test_the_load_balancer_drains_an_instance_longer_than_a_purchase_takes():
    delay = int(all_settings()[("aws:elasticbeanstalk:environment:process:default", "DeregistrationDelay")])

    assert delay > purchase_worst_case()
    assert delay <= 3600  # the option's range


def test_gunicorn_lets_workers_finish_a_purchase_on_restart(monkeypatch):
    config = gunicorn_defaults(monkeypatch)

    assert config["graceful_timeout"] > purchase_worst_case()
    # A request alive after the worker timeout is killed anyway: no point waiting longer.
    assert config["graceful_timeout"] <= config["timeout"]


def test_systemd_waits_for_gunicorns_graceful_stop(monkeypatch):
    (stop_timeout,) = re.findall(r"^TimeoutStopSec=(\d+)$", GRACEFUL_STOP_HOOK.read_text(), re.M)

    assert int(stop_timeout) > gunicorn_defaults(monkeypatch)["graceful_timeout"]


def test_the_stop_timeout_is_set_for_deployments_and_configuration_changes():
    confighook = ROOT / ".platform" / "confighooks" / "predeploy" / "10_graceful_stop.sh"

    assert "/etc/systemd/system/web.service.d/" in GRACEFUL_STOP_HOOK.read_text()
    assert f"/var/app/current/{GRACEFUL_STOP_HOOK.relative_to(ROOT)}" in confighook.read_text()


ROLLING = "aws:autoscaling:updatepolicy:rollingupdate"


def test_application_deployments_replace_one_instance_at_a_time_after_adding_one():
    settings = all_settings()

    # One extra instance first, then one at a time: capacity never drops below the environment's size.
    assert settings[("aws:elasticbeanstalk:command", "DeploymentPolicy")] == "RollingWithAdditionalBatch"
    assert settings[("aws:elasticbeanstalk:command", "BatchSizeType")] == "Fixed"
    assert int(settings[("aws:elasticbeanstalk:command", "BatchSize")]) == 1


def test_changes_that_replace_instances_roll_by_health_one_at_a_time():
    """Without a rolling update policy, a change to the launch configuration replaces every instance at once."""
    settings = all_settings()

    assert settings[(ROLLING, "RollingUpdateEnabled")] is True
    assert settings[(ROLLING, "RollingUpdateType")] == "Health"
    assert int(settings[(ROLLING, "MaxBatchSize")]) == 1
    assert int(settings[(ROLLING, "MinInstancesInService")]) >= 1


def test_enhanced_health_does_not_count_the_apis_4xx_answers_as_failures():
    """A declined card answers 402 and a bad token 403: the shoppers' doing, not the environment's ill health."""
    import json

    settings = all_settings()
    document = json.loads(settings[("aws:elasticbeanstalk:healthreporting:system", "ConfigDocument")])

    rules = document["Rules"]["Environment"]
    assert rules["Application"]["ApplicationRequests4xx"] == {"Enabled": False}
    assert rules["ELB"]["ELBRequests4xx"] == {"Enabled": False}
    assert document["Version"] == 1
