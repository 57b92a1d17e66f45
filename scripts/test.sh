#!/usr/bin/env bash
# `npm test`: provisions what the tests need (npm packages, the Temporal CLI,
# OpenSSH's sshd, PostgreSQL, fonts, a JDK, docker-compose and docker-py, Chromium, Request Tracker 5, Prometheus and Alertmanager, tcpdump),
# type-checks, then runs every test.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
ensure_node_modules
ensure_temporal_cli
ensure_sshd
ensure_postgres
ensure_fonts
ensure_jdk
ensure_compose_checker
ensure_docker_context_checker
ensure_chromium
ensure_request_tracker
ensure_monitoring
ensure_tcpdump
cd "$ROOT"
log "type-checking…"
node_modules/.bin/tsc --noEmit -p .
exec node_modules/.bin/jest --runInBand "$@"
