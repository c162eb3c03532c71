#!/usr/bin/env bash
# Starts (idempotently) or stops a second MariaDB instance on 127.0.0.1:3307: the cross-server
# target of the benchmark. Same machine, so "cross-server" means "another mariadbd process with its
# own buffer pool, redo log and CPU time", which is what a real second server costs the copy.
#
#   bench/second-server.sh          start (no-op if it already answers)
#   bench/second-server.sh stop     stop it (the datadir is kept; delete it by hand to reset)
#   bench/second-server.sh status
#
# Environment: DBF_BENCH_PORT (3307), DBF_BENCH_DIR (/var/tmp/dbferry-bench-$PORT).
set -euo pipefail

PORT="${DBF_BENCH_PORT:-3307}"
BASE="${DBF_BENCH_DIR:-/var/tmp/dbferry-bench-$PORT}"
DATADIR="$BASE/data"
SOCKET="$BASE/mysqld.sock"
PIDFILE="$BASE/mysqld.pid"
LOG="$BASE/error.log"

# The server runs as the `mysql` user when we are root (mariadbd refuses to run as root without
# --user), otherwise as ourselves.
if [ "$(id -u)" = 0 ]; then RUN_USER=mysql; else RUN_USER="$(id -un)"; fi

ping_server() {
  # TCP on purpose: that is how every client of the benchmark reaches it.
  mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uroot -N -e 'select 1' >/dev/null 2>&1
}

server_pid() {
  [ -f "$PIDFILE" ] && cat "$PIDFILE" 2>/dev/null || true
}

start() {
  if ping_server; then
    echo "second server already up on 127.0.0.1:$PORT"
    return 0
  fi
  mkdir -p "$BASE"
  if [ ! -d "$DATADIR/mysql" ]; then
    echo "initialising $DATADIR"
    mkdir -p "$DATADIR"
    chown -R "$RUN_USER" "$BASE"
    # --no-defaults: /etc/mysql/my.cnf names port 3306 and the main server's datadir and socket.
    # normal auth: root gets a password-less login (empty password) instead of unix_socket only,
    # so clients can log in over TCP.
    mariadb-install-db --no-defaults --user="$RUN_USER" --datadir="$DATADIR" \
      --auth-root-authentication-method=normal --skip-test-db >"$BASE/install.log" 2>&1 \
      || { cat "$BASE/install.log"; exit 1; }
  fi
  chown -R "$RUN_USER" "$BASE"
  # Settings copied from the main server where they matter for the measurements: utf8mb4 defaults,
  # skip-name-resolve, 128M buffer pool (the default, stated anyway), max_allowed_packet 16M, flush
  # at every commit (the default). --no-defaults so nothing from /etc/mysql leaks in.
  # setsid + nohup: the server must outlive the shell (and the Node process) that started it.
  setsid nohup mariadbd --no-defaults --user="$RUN_USER" --datadir="$DATADIR" \
    --port="$PORT" --bind-address=127.0.0.1 --socket="$SOCKET" --pid-file="$PIDFILE" \
    --log-error="$LOG" --skip-name-resolve \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_general_ci \
    --innodb-buffer-pool-size=128M --max-allowed-packet=16M \
    --innodb-flush-log-at-trx-commit=1 \
    </dev/null >/dev/null 2>&1 &
  for _ in $(seq 1 120); do
    if ping_server; then
      echo "second server up on 127.0.0.1:$PORT (datadir $DATADIR)"
      return 0
    fi
    sleep 0.5
  done
  echo "second server did not answer on 127.0.0.1:$PORT within 60 s; last lines of $LOG:" >&2
  tail -20 "$LOG" >&2 || true
  exit 1
}

stop() {
  local pid
  pid="$(server_pid)"
  if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
    echo "second server not running"
    return 0
  fi
  # Only the pid from our own pid file: never a broad kill by name (the main server is mariadbd too).
  kill -TERM "$pid"
  for _ in $(seq 1 120); do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "second server stopped"
      return 0
    fi
    sleep 0.5
  done
  echo "second server (pid $pid) still running after 60 s" >&2
  exit 1
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) if ping_server; then echo "up (pid $(server_pid))"; else echo "down"; exit 1; fi ;;
  *) echo "usage: $0 [start|stop|status]" >&2; exit 2 ;;
esac
