#!/bin/bash
# A configuration deployment (`eb setenv`…) restarts the web process too.
exec /bin/bash /var/app/current/.platform/hooks/predeploy/10_graceful_stop.sh
