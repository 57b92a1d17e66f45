#!/usr/bin/env bash
# `npm start`: the embedded default — Temporal dev server (SQLite in .data/,
# Web UI), worker, and gateway with the web chat console, on the demo inventory.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
ensure_temporal_cli
# The demo's ticket system; without it the demo runs, minus tickets.
ensure_request_tracker || log "Request Tracker 5 could not be installed; the demo runs without tickets."
# The forecast demo's task database and chart fonts; without them the demo runs, minus forecasts.
ensure_postgres || log "PostgreSQL could not be installed; the demo runs without forecasts."
ensure_fonts || log "fonts-dejavu-core could not be installed; forecast charts may lack text."
ensure_jdk || log "No JDK could be installed; the demo runs without its Java service (dumps)."
ensure_tcpdump || log "tcpdump could not be installed; the demo's debug capture will say so."
cd "$ROOT"
# node with tsx's loader, not the tsx wrapper: one process, so signals and SIGKILL reach the supervisor itself.
exec node --import tsx scripts/start.ts "$@"
