#!/bin/bash
# Settle stale UNPAID orders every 5 minutes with `manage.py reconcile_orders`, through a
# systemd timer (Amazon Linux 2023 ships no cron). Safe on every instance: the command takes a
# database lock (one run per environment at a time; the others end at once), each order is
# settled from what Stripe says about it, and the command is idempotent. A run that could not ask
# Stripe about an order exits non-zero: its last line says FAILED and the alarm fires.
# Also run as a config hook, so that `eb setenv` refreshes the environment file the timer reads.
#
# Its output goes to /var/log/frameseller/reconcile.log, which `eb logs` and CloudWatch Logs
# pick up (.ebextensions/06_reconcile_logs.config), each run ending with a "finished" or
# "FAILED" line that CloudWatch alarms on.
set -euo pipefail

app=/var/app/current

# The environment's properties and secrets, readable by root only; systemd reads the file
# before switching to the webapp user.
install -d -m 700 /etc/frameseller
(umask 077 && python3 "$app/.platform/scripts/reconcile_env.py" > /etc/frameseller/reconcile.env.new)
mv /etc/frameseller/reconcile.env.new /etc/frameseller/reconcile.env

install -d -m 755 /var/log/frameseller

cat > /etc/systemd/system/frameseller-reconcile.service <<UNIT
[Unit]
Description=FrameSeller: settle stale unpaid orders against Stripe
After=network-online.target

[Service]
Type=oneshot
User=webapp
WorkingDirectory=$app
EnvironmentFile=/etc/frameseller/reconcile.env
ExecStart=/bin/bash $app/.platform/scripts/manage.sh reconcile_orders
ExecStopPost=/bin/bash $app/.platform/scripts/reconcile_status.sh
StandardOutput=append:/var/log/frameseller/reconcile.log
StandardError=append:/var/log/frameseller/reconcile.log
UNIT

cat > /etc/systemd/system/frameseller-reconcile.timer <<'UNIT'
[Unit]
Description=Run frameseller-reconcile every 5 minutes

[Timer]
OnBootSec=5min
OnUnitActiveSec=5min
RandomizedDelaySec=60

[Install]
WantedBy=timers.target
UNIT

systemctl daemon-reload
systemctl enable --now frameseller-reconcile.timer

# Stream the log to CloudWatch Logs with the platform's CloudWatch agent (the platform streams
# only its own logs). The agent's configuration is written by .ebextensions/06_reconcile_logs.config.
agent_ctl=/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl
agent_config=/opt/aws/amazon-cloudwatch-agent/etc/frameseller-reconcile.json
if [ -x "$agent_ctl" ] && [ -f "$agent_config" ]; then
  "$agent_ctl" -a append-config -m ec2 -s -c "file:$agent_config"
else
  echo "frameseller: no CloudWatch agent here; reconcile.log reaches eb logs only" >&2
fi
