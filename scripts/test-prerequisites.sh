#!/usr/bin/env bash
# What `npm test` needs on this kind of machine, provided before the tests run (npm's pretest):
# PostgreSQL on 127.0.0.1:5432, Redis on 127.0.0.1:6379, a Docker engine, pytest, Debian's Chromium.
# Each step does nothing when the piece is already there. Without root (or passwordless sudo)
# nothing is installed: the script stops at once, naming the missing piece and its fix.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'test-prerequisites: %s\n' "$*" >&2; }
can_be_root() { [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; }
need_root_for() {
  if ! can_be_root; then
    say "missing: $1"
    say "fix: $2"
    exit 1
  fi
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  need_root_for "PostgreSQL on 127.0.0.1:5432" "start it (pg_ctlcluster <version> main start) and rerun npm test"
  say "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
fi

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  need_root_for "Redis on 127.0.0.1:6379" "start it (redis-server --port 6379 --daemonize yes) and rerun npm test"
  say "starting Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi

if ! timeout 5 docker info >/dev/null 2>&1; then
  need_root_for "a Docker engine" "run 'sudo bash .ci/docker-up.sh' and rerun npm test"
  bash .ci/docker-up.sh
fi

if ! python3 -m pytest --version >/dev/null 2>&1; then
  need_root_for "pytest (python3 -m pytest), which the gate tests run" "run 'sudo apt-get install -y python3-pytest' and rerun npm test"
  say "installing python3-pytest"
  as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi; }
  as_root apt-get update -qq </dev/null
  as_root apt-get install -y -qq --no-install-recommends python3-pytest </dev/null >/dev/null
fi

if [ ! -x /usr/bin/chromium ]; then
  need_root_for "Debian's chromium (/usr/bin/chromium)" "run 'sudo bash .ci/browser-up.sh' and rerun npm test"
  bash .ci/browser-up.sh
fi
