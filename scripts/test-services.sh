#!/usr/bin/env bash
# Brings up the servers the integration tests need: MariaDB (127.0.0.1:3306, root, empty password),
# PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379), and installs Debian's
# chromium for the browser tests. Starts the ones that
# are installed but stopped; on a fresh Debian machine (as root) installs the missing ones first.
# Idempotent: a service that already answers is left alone. Also adds the one pg_hba rule the tests
# need to prove that a wrong PostgreSQL password is reported as such (the rest stays trust).
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }
listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
wait_for() {
  local port=$1 name=$2
  for _ in $(seq 1 60); do listening "$port" && return 0; sleep 0.5; done
  echo "test-services: $name did not come up on 127.0.0.1:$port" >&2
  return 1
}

need_install=()
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need_install+=(mariadb-server)
ls /etc/postgresql/*/main >/dev/null 2>&1 || need_install+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
# The dashboard's browser tests (test/browser) drive Debian's Chromium through playwright-core.
[ -x /usr/bin/chromium ] || need_install+=(chromium fonts-liberation)
if [ ${#need_install[@]} -gt 0 ]; then
  echo "test-services: installing ${need_install[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_install[@]}" >/dev/null
fi

if ! listening 3306; then
  echo "test-services: starting MariaDB"
  as_root mkdir -p /run/mysqld && as_root chown mysql:mysql /run/mysqld 2>/dev/null || true
  # --pidfile: another mariadbd (a second instance, such as the benchmark's on 3307) must not pass for this one.
  as_root start-stop-daemon --start --oknodo --background --pidfile /run/mysqld/mysqld.pid --exec /usr/sbin/mariadbd
  wait_for 3306 MariaDB
fi
# root over TCP with an empty password (Debian's root@localhost uses the unix socket).
if ! mariadb -h 127.0.0.1 -u root -e 'select 1' >/dev/null 2>&1; then
  as_root mariadb -e "CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
fi

pg_version=$(ls /etc/postgresql | sort -V | tail -n 1)
hba="/etc/postgresql/$pg_version/main/pg_hba.conf"
rule="host all dbferry_pwtest 127.0.0.1/32 scram-sha-256"
pg_reload=0
if ! as_root grep -qF "$rule" "$hba"; then
  # First matching line wins: the password rule for the test role goes before the trust lines.
  as_root sed -i "1i $rule" "$hba"
  pg_reload=1
fi
# The tests connect as postgres over 127.0.0.1 without a password (Debian's default asks for one).
if ! as_root grep -qE '^host\s+all\s+all\s+127\.0\.0\.1/32\s+trust' "$hba"; then
  as_root sed -i -E 's#^(host\s+all\s+all\s+127\.0\.0\.1/32\s+)\S+#\1trust#' "$hba"
  pg_reload=1
fi
if ! listening 5432; then
  echo "test-services: starting PostgreSQL $pg_version"
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main start
  wait_for 5432 PostgreSQL
elif [ "$pg_reload" = 1 ]; then
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_version" main reload
fi

if ! listening 6379; then
  echo "test-services: starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for 6379 Redis
fi
echo "test-services: MariaDB, PostgreSQL and Redis are up; chromium is installed"
