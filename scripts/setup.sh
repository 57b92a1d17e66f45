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

# Debian packages, as root or through sudo, at the version Debian serves today:
# what is missing is installed and what is older than Debian's is upgraded,
# with the versioned packages behind it (postgresql → postgresql-15) and the
# installed ones built from the same sources (a JDK's jre, openssh-client), so
# the tests see what a new user gets. The package lists are refreshed once an
# hour at most.
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
APT_STAMP="$CACHE/apt-lists-refreshed"
apt_lists() {
  [ -n "${APT_LISTS_FRESH:-}" ] && return
  APT_LISTS_FRESH=1
  if [ -f "$APT_STAMP" ] && [ -z "$(find "$APT_STAMP" -mmin +60 2>/dev/null)" ]; then return; fi
  if $SUDO apt-get update -qq >/dev/null 2>&1; then mkdir -p "$CACHE" && touch "$APT_STAMP"; else log "could not refresh Debian's package lists; using the ones on this machine"; fi
}
# Of the named packages, the direct dependencies named after them and their same-source siblings: those Debian has newer.
apt_outdated() {
  local names src pkg
  names=$(for pkg in "$@"; do echo "$pkg"; apt-cache depends --installed --important "$pkg" 2>/dev/null | awk -v p="$pkg" '/Depends:/ && index($2, p "-") == 1 {print $2}'; done | sort -u)
  src=$(dpkg-query -W -f='${source:Package}\n' $names 2>/dev/null | sort -u)
  # Installed ones only ("ii"): a package removed with its configuration kept is not brought back.
  dpkg-query -W -f='${db:Status-Abbrev} ${binary:Package} ${source:Package}\n' 2>/dev/null | awk -v names="$(echo $names)" -v src="$(echo $src)" '
    BEGIN { n = split(names, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1; m = split(src, b, " "); for (i = 1; i <= m; i++) same[b[i]] = 1 }
    $1 == "ii" { sub(/:amd64$|:all$/, "", $2); if (want[$2] || same[$3]) print $2 }' |
    xargs -r apt-cache policy 2>/dev/null | awk '/^[^ ].*:$/ {p = substr($1, 1, length($1) - 1)} /Installed:/ {i = $2} /Candidate:/ {if ($2 != "(none)" && i != $2) print p}'
}
apt_install() {
  apt_lists
  local missing=() pkg upgrade ok
  # Checked since the lists and the installed packages last changed: nothing to do.
  ok="$CACHE/apt-checked/$(echo "$*" | tr ' ' '+')"
  [ "$ok" -nt /var/lib/dpkg/status ] && [ "$ok" -nt "$APT_STAMP" ] && return
  for pkg in "$@"; do dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg"); done
  upgrade=$(apt_outdated "$@" | tr '\n' ' ')
  if [ ${#missing[@]} -eq 0 ] && [ -z "${upgrade// }" ]; then mkdir -p "$CACHE/apt-checked" && touch "$ok"; return; fi
  [ -n "${upgrade// }" ] && log "upgrading to Debian's current versions: $upgrade"
  # shellcheck disable=SC2086
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" $upgrade >/dev/null; then
    [ ${#missing[@]} -eq 0 ] || { echo "could not install ${missing[*]} from Debian" >&2; exit 1; }
    log "could not upgrade $upgrade (run: sudo apt-get install --only-upgrade $upgrade); going on with the installed versions"
  fi
}

# Whether a program is there but not from a Debian package (the user's own build or vendor's): then it is left alone.
not_from_debian() {
  local file
  file=$(command -v "$1" 2>/dev/null || true)
  [ -n "$file" ] && ! dpkg-query -S "$(readlink -f "$file")" >/dev/null 2>&1
}

# OpenSSH's sshd, which the tests start on a loopback port as a real host.
ensure_sshd() {
  not_from_debian /usr/sbin/sshd && return
  [ -x /usr/sbin/sshd ] || log "installing openssh-server from Debian (for the SSH tests)…"
  apt_install openssh-server openssh-client
  # The package starts a system sshd on port 22 where it can; the tests run their own.
}

# PostgreSQL's server binaries: the tests and the demo run their own server on
# a loopback port as the forecast's task database (scripts/postgres/local-postgres.ts).
ensure_postgres() {
  if compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null; then
    # Another PostgreSQL (PGDG's, say) is the user's own: only Debian's own is kept current.
    dpkg-query -W -f='${db:Status-Abbrev}' postgresql 2>/dev/null | grep -q '^ii' || return 0
  else
    log "installing PostgreSQL from Debian (the task database of the forecast tests and demo)…"
  fi
  apt_install postgresql
  # The package may start a cluster on port 5432 where it can; the tests run their own.
}

# A JDK (java and jcmd): the dump tests dump a real JVM; the demo runs a Java service.
ensure_jdk() {
  local jdk
  if command -v java >/dev/null 2>&1 && command -v jcmd >/dev/null 2>&1; then
    # A JDK from Debian is kept current like the rest; one from elsewhere is the user's own.
    jdk=$(dpkg-query -S "$(readlink -f "$(command -v jcmd)")" 2>/dev/null | cut -d: -f1) || return 0
    [ -n "$jdk" ] && apt_install "$jdk"
    return 0
  fi
  log "installing a JDK from Debian (for the dump tests and demo)…"
  apt_install default-jdk-headless
}

# DejaVu fonts, which Gantt charts are drawn with (resvg reads the system's fonts).
ensure_fonts() {
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || log "installing fonts-dejavu-core from Debian (for the forecast charts)…"
  apt_install fonts-dejavu-core
}

# Debian's docker-compose parses docker-compose.yml without a Docker engine.
ensure_compose_checker() {
  if docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null 2>&1; then return; fi
  not_from_debian docker-compose && return
  command -v docker-compose >/dev/null 2>&1 || log "installing docker-compose from Debian (to validate docker-compose.yml)…"
  apt_install docker-compose
}

# docker-py, from Debian: the Docker test builds the context docker would be sent (with .dockerignore) without an engine.
ensure_docker_context_checker() {
  /usr/bin/python3 -c 'import docker.utils.build' >/dev/null 2>&1 || log "installing python3-docker from Debian (to check the Docker build context)…"
  apt_install python3-docker
}

# Debian's Chromium: the console tests drive it through playwright-core (no browser download).
ensure_chromium() {
  [ -n "${DUTYDESK_CHROMIUM:-}" ] && return
  [ -x /usr/bin/chromium ] || log "installing chromium from Debian (the console's browser tests)…"
  apt_install chromium
}

# Request Tracker 5 with its SQLite backend and standalone server: the real
# ticket system the ticket tests (and the `npm start` demo) run on loopback.
ensure_request_tracker() {
  if [ ! -x /usr/sbin/rt-setup-database-5 ]; then
    log "installing Request Tracker 5 from Debian (for the ticket tests; about a minute, once)…"
    # No database set-up by dbconfig: each test and the demo build their own SQLite file.
    $SUDO debconf-set-selections <<'SEL'
request-tracker5 request-tracker5/install-db boolean false
request-tracker5 request-tracker5/dbconfig-install boolean false
rt5-db-sqlite rt5-db-sqlite/dbconfig-install boolean false
SEL
  fi
  apt_install request-tracker5 rt5-standalone rt5-db-sqlite
}

# tcpdump from Debian: the demo's debug capture action (and its test) capture on loopback.
ensure_tcpdump() {
  not_from_debian tcpdump && return
  [ -x /usr/bin/tcpdump ] || log "installing tcpdump from Debian (for the demo's debug capture)…"
  apt_install tcpdump
}

# Prometheus and Alertmanager from Debian: the incident tests run real ones on
# loopback ports, and `npm start` runs them for the demo hosts.
ensure_monitoring() {
  { [ -n "${DUTYDESK_PROMETHEUS:-}" ] && [ -n "${DUTYDESK_ALERTMANAGER:-}" ]; } && return
  [ -x /usr/bin/prometheus ] && [ -x /usr/bin/prometheus-alertmanager ] || log "installing prometheus and prometheus-alertmanager from Debian (for the incident tests and demo)…"
  # The packages would start system services where they can; the tests and the demo run their own.
  apt_install prometheus prometheus-alertmanager
}
