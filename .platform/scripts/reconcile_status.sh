#!/bin/bash
# ExecStopPost of frameseller-reconcile.service: one line per run at the end of its log, which
# the CloudWatch alarms of .ebextensions/06_reconcile_logs.config read: "finished" after a
# success, "FAILED" otherwise (reconcile_orders exits 1 when it skipped orders because Stripe could not
# be asked). systemd sets SERVICE_RESULT, EXIT_CODE and EXIT_STATUS here.
now="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
if [ "${SERVICE_RESULT:-}" = success ]; then
  echo "$now reconcile_orders finished"
else
  echo "$now reconcile_orders FAILED: ${SERVICE_RESULT:-unknown result} (${EXIT_CODE:-?} ${EXIT_STATUS:-?})"
fi
