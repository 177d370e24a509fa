#!/bin/sh
# Trigger: called as notify.sh TEST-ID RUNDIR STATE/STATUS
echo "released $*" >> "$MT_RUN_AREA_HOME/notify.log"
