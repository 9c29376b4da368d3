"""Alarms beyond the reconcile timer's: the API's 5xx answers and the environment's health.

Each mails the environment's alerts topic (.ebextensions/06_reconcile_logs.config makes it; the
Resources of every configuration file go into the environment's one CloudFormation stack).
"""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
ALARMS_CONFIG = ROOT / ".ebextensions" / "07_alarms.config"
LOGS_CONFIG = ROOT / ".ebextensions" / "06_reconcile_logs.config"


def alarms() -> dict[str, dict]:
    resources = yaml.safe_load(ALARMS_CONFIG.read_text())["Resources"]
    return {name: r["Properties"] for name, r in resources.items() if r["Type"] == "AWS::CloudWatch::Alarm"}


def test_the_apis_5xx_answers_raise_an_alarm():
    by_metric = {alarm["MetricName"]: alarm for alarm in alarms().values()}

    targets = by_metric["HTTPCode_Target_5XX_Count"]
    assert targets["Namespace"] == "AWS/ApplicationELB"
    # Beanstalk's load balancer resource, by the name its CloudFormation template gives it.
    assert targets["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": {"Fn::GetAtt": ["AWSEBV2LoadBalancer", "LoadBalancerFullName"]}}
    ]
    assert by_metric["HTTPCode_ELB_5XX_Count"]["Dimensions"] == targets["Dimensions"]
    for alarm in (targets, by_metric["HTTPCode_ELB_5XX_Count"]):
        assert alarm["TreatMissingData"] == "notBreaching"  # no request, no 5xx


def test_a_degraded_environment_raises_an_alarm():
    by_metric = {alarm["MetricName"]: alarm for alarm in alarms().values()}

    health = by_metric["EnvironmentHealth"]
    assert health["Namespace"] == "AWS/ElasticBeanstalk"
    assert health["Dimensions"] == [{"Name": "EnvironmentName", "Value": {"Ref": "AWSEBEnvironmentName"}}]
    # 20 is Degraded, 25 Severe (Warning, 15, is left to the console).
    assert (health["Threshold"], health["ComparisonOperator"]) == (20, "GreaterThanOrEqualToThreshold")


def test_every_alarm_mails_the_alerts_topic_the_reconcile_config_makes():
    topics = yaml.safe_load(LOGS_CONFIG.read_text())["Resources"]

    assert topics["AlertsTopic"]["Type"] == "AWS::SNS::Topic"
    assert alarms()
    for alarm in alarms().values():
        assert alarm["AlarmActions"] == [{"Ref": "AlertsTopic"}]
        assert alarm["OKActions"] == [{"Ref": "AlertsTopic"}]
