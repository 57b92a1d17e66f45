#!/usr/bin/env bash
# Shared set-up for `npm start` and `npm test`: idempotent and cached, so the
# second run is fast. Source it; it exports TEMPORAL_CLI.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE="$ROOT/.cache"
TEMPORAL_CLI_VERSION=v1.5.1

log() { printf '\033[1mdutydesk setup:\033[0m %s\n' "$*" >&2; }

# npm packages: reinstall only when package-lock.json changed.
ensure_node_modules() {
  local stamp="$ROOT/node_modules/.dutydesk-lock.sha" want
  want=$(sha256sum "$ROOT/package-lock.json" | cut -d' ' -f1)
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return; fi
  log "installing npm packages (from package-lock.json)…"
  # npm ci trips over optional platform packages missing from the lock (an npm 11 bug); install with --no-save honours the lock without rewriting it.
  (cd "$ROOT" && npm install --no-audit --no-fund --no-save --loglevel=error)
  echo "$want" > "$stamp"
}

# The Temporal CLI (dev server + Web UI): $TEMPORAL_CLI, else `temporal` on PATH,
# else one built from source into .cache/bin (a few minutes, once).
ensure_temporal_cli() {
  if [ -n "${TEMPORAL_CLI:-}" ]; then
    [ -x "$TEMPORAL_CLI" ] || { echo "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file" >&2; exit 1; }
  elif command -v temporal >/dev/null 2>&1; then
    TEMPORAL_CLI=$(command -v temporal)
  else
    TEMPORAL_CLI="$CACHE/bin/temporal"
    if [ ! -x "$TEMPORAL_CLI" ]; then
      if ! command -v go >/dev/null 2>&1; then
        echo "The Temporal CLI is missing and Go is not installed to build it." >&2
        echo "Install it from https://docs.temporal.io/cli (or 'brew install temporal') and set TEMPORAL_CLI=/path/to/temporal." >&2
        exit 1
      fi
      log "building the Temporal CLI $TEMPORAL_CLI_VERSION from source into .cache/bin (once; takes a few minutes)…"
      mkdir -p "$CACHE/bin"
      GOBIN="$CACHE/bin" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION"
    fi
  fi
  export TEMPORAL_CLI
}

# Debian packages, as root or through sudo; the package lists are refreshed once per run.
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_UPDATED=""
apt_install() {
  [ -n "$APT_UPDATED" ] || { $SUDO apt-get update -qq; APT_UPDATED=1; }
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# OpenSSH's sshd, which the tests start on a loopback port as a real host.
ensure_sshd() {
  if [ -x /usr/sbin/sshd ]; then return; fi
  log "installing openssh-server from Debian (for the SSH tests)…"
  apt_install openssh-server openssh-client
  # The package starts a system sshd on port 22 where it can; the tests run their own.
}

# PostgreSQL's server binaries: the tests and the demo run their own server on
# a loopback port as the forecast's task database (scripts/postgres/local-postgres.ts).
ensure_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then return; fi
  log "installing PostgreSQL from Debian (the task database of the forecast tests and demo)…"
  apt_install postgresql
  # The package may start a cluster on port 5432 where it can; the tests run their own.
}

# A JDK (java and jcmd): the dump tests dump a real JVM; the demo runs a Java service.
ensure_jdk() {
  if command -v java >/dev/null 2>&1 && command -v jcmd >/dev/null 2>&1; then return; fi
  log "installing a JDK from Debian (for the dump tests and demo)…"
  apt_install default-jdk-headless
}

# DejaVu fonts, which Gantt charts are drawn with (resvg reads the system's fonts).
ensure_fonts() {
  if [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ]; then return; fi
  log "installing fonts-dejavu-core from Debian (for the forecast charts)…"
  apt_install fonts-dejavu-core
}

# Debian's docker-compose parses docker-compose.yml without a Docker engine.
ensure_compose_checker() {
  if command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1; then return; fi
  log "installing docker-compose from Debian (to validate docker-compose.yml)…"
  apt_install docker-compose
}

# Request Tracker 5 with its SQLite backend and standalone server: the real
# ticket system the ticket tests (and the `npm start` demo) run on loopback.
ensure_request_tracker() {
  if [ -x /usr/sbin/rt-setup-database-5 ] && [ -x /usr/share/request-tracker5/libexec/rt-server ]; then return; fi
  log "installing Request Tracker 5 from Debian (for the ticket tests; about a minute, once)…"
  # No database set-up by dbconfig: each test and the demo build their own SQLite file.
  $SUDO debconf-set-selections <<'SEL'
request-tracker5 request-tracker5/install-db boolean false
request-tracker5 request-tracker5/dbconfig-install boolean false
rt5-db-sqlite rt5-db-sqlite/dbconfig-install boolean false
SEL
  apt_install request-tracker5 rt5-standalone rt5-db-sqlite
}
