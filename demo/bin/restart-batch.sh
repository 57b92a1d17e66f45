#!/usr/bin/env bash
# A demo restart script whose output marks its steps for dutydesk:
#   ::step <name> <title>   ::done <name>   ::fail <name> <reason>   ::skip <name>
# Steps listed in DUTYDESK_DONE_STEPS (after a worker crash) are skipped.
set -uo pipefail
done_steps=",${DUTYDESK_DONE_STEPS:-},"
step() {
  local name=$1 title=$2; shift 2
  if [[ $done_steps == *",$name,"* ]]; then echo "::skip $name"; return 0; fi
  echo "::step $name $title"
  if "$@"; then echo "::done $name"; else echo "::fail $name command failed: $*"; exit 1; fi
}
step pause-queue "Pause the job queue" sleep 1
step flush "Flush pending jobs" sleep 1
step restart "Restart the batch runner" sleep 2
step resume-queue "Resume the job queue" sleep 1
