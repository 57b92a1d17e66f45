#!/usr/bin/env bash
# `npm run bench:<name>`: the same set-up as the tests, then one bench/ script.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
ensure_temporal_cli
ensure_sshd
ensure_postgres
ensure_fonts
ensure_jdk
ensure_request_tracker
ensure_monitoring
cd "$ROOT"
name=$1; shift
exec node --import tsx "bench/$name.ts" "$@"
