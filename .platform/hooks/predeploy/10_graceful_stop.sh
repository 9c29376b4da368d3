#!/bin/bash
# Give gunicorn time to finish the requests in flight when the platform restarts the web
# process (a deployment, `eb setenv`, RestartAppServer): gunicorn waits graceful_timeout
# (120 s, gunicorn.conf.py) for its workers, but systemd kills a service that takes longer than
# its stop timeout, 90 s unless the unit says otherwise. This drop-in sits beside the platform's
# web.service, which it leaves alone. tests/deploy/test_deployments.py checks the values.
set -euo pipefail

install -d -m 755 /etc/systemd/system/web.service.d
cat > /etc/systemd/system/web.service.d/graceful-stop.conf <<'UNIT'
[Service]
TimeoutStopSec=150
UNIT
systemctl daemon-reload
