#!/bin/bash
# After a configuration change (`eb setenv`…), refresh the reconcile timer's environment file.
exec /bin/bash /var/app/current/.platform/hooks/postdeploy/10_reconcile_timer.sh
