"""Print the reconcile timer's environment file: the application's properties and its secrets.

Run by .platform/hooks/postdeploy/10_reconcile_timer.sh with the instance's own Python (3.9 on
Amazon Linux 2023: nothing newer, no dependency). Usage: reconcile_env.py [GET_CONFIG]

- the environment properties, with the RDS_* ones: `get-config environment`;
- the environment secrets (namespace aws:elasticbeanstalk:application:environmentsecrets):
  their names from `get-config optionsettings`, their values from this hook's own environment,
  where the platform puts them after fetching them from Secrets Manager or Parameter Store
  ("Fetching secrets and parameters to Elastic Beanstalk environment variables").

A secret missing from the hook's environment stops the deployment: the timer would run without it.
The output is for systemd's EnvironmentFile=: NAME="value", with backslash and quote escaped.
"""

import json
import os
import subprocess
import sys

SECRETS_NAMESPACE = "aws:elasticbeanstalk:application:environmentsecrets"


def get_config(tool, *args):
    done = subprocess.run([tool, *args], check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(done.stdout or "{}") or {}


def environment_line(name, value):
    if "\n" in value or "\r" in value:
        sys.exit(f"reconcile_env: {name} holds several lines, which an EnvironmentFile cannot.")
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'{name}="{escaped}"'


def main(argv):
    tool = argv[1] if len(argv) > 1 else "/opt/elasticbeanstalk/bin/get-config"
    variables = {name: str(value) for name, value in get_config(tool, "environment").items()}
    secrets = get_config(tool, "optionsettings").get(SECRETS_NAMESPACE) or {}
    missing = sorted(name for name in secrets if name not in os.environ)
    if missing:
        sys.exit(
            f"reconcile_env: the platform gave this hook no value for {', '.join(missing)}: a platform version "
            "from before 26 March 2025, or an instance profile that may not read the secret?"
        )
    variables.update({name: os.environ[name] for name in secrets})
    for name in sorted(variables):
        print(environment_line(name, variables[name]))


if __name__ == "__main__":
    main(sys.argv)
