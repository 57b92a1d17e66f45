#!/usr/bin/env bash
# A small demo web service for the embedded default, so a restart runs real
# commands on any machine: start | stop | drain | enable | running | status.
# With "java" as the fourth argument the service is the demo's Java
# inventory service (demo/java), which heap and thread dumps can be taken of.
# Usage: demo-service.sh <command> <name> <port> [java]
set -euo pipefail
cmd=${1:?command}; name=${2:?name}; port=${3:?port}; kind=${4:-node}
dir=${DUTYDESK_DEMO_DIR:-.data/demo}/$name
mkdir -p "$dir"
pidfile=$dir/pid

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

case $cmd in
  start)
    if running; then echo "$name already running (pid $(cat "$pidfile"))"; exit 0; fi
    if [ "$kind" = java ]; then
      command -v java >/dev/null || { echo "java is not installed: the demo's Java service cannot start" >&2; exit 1; }
      nohup java -Xmx256m demo/java/DemoInventory.java "$port" > "$dir/out.log" 2>&1 < /dev/null &
      echo $! > "$pidfile"
      echo "$name started (pid $!) on port $port"
      exit 0
    fi
    # /health answers 503 while drained, so the load balancer (and our check) sees it.
    nohup node -e '
      const http = require("http"); const fs = require("fs");
      const [dir, port] = process.argv.slice(1);
      let served = 0;
      setTimeout(() => http.createServer((q, s) => {
        // Prometheus scrapes /metrics: the demo monitoring sees the shop up while this answers.
        if (q.url === "/metrics") {
          s.writeHead(200, { "content-type": "text/plain; version=0.0.4" });
          return s.end("# TYPE demo_requests_total counter\ndemo_requests_total " + served + "\n");
        }
        served++;
        const drained = fs.existsSync(dir + "/drained");
        s.writeHead(q.url === "/health" && drained ? 503 : 200, { "content-type": "text/plain" });
        s.end(drained ? "drained\n" : "ok\n");
      }).listen(Number(port), "127.0.0.1"), 300);
    ' "$dir" "$port" > "$dir/out.log" 2>&1 < /dev/null &
    echo $! > "$pidfile"
    echo "$name started (pid $!) on port $port" ;;
  stop)
    if running; then kill "$(cat "$pidfile")"; echo "$name stopping"; else echo "$name was not running"; fi ;;
  running)
    running ;;
  drain)
    touch "$dir/drained"; echo "$name drained" ;;
  enable)
    rm -f "$dir/drained"; echo "$name enabled" ;;
  status)
    if running; then echo "$name running (pid $(cat "$pidfile"))"; else echo "$name stopped"; exit 3; fi ;;
  *) echo "unknown command $cmd" >&2; exit 2 ;;
esac
