#!/usr/bin/env bash
# Makes a Docker engine available for the environment-tier tests: installs Debian's docker.io,
# docker-compose (v1) and busybox-static when missing, then starts dockerd in the background
# (vfs storage, no iptables, no bridge: containers use network_mode host) and waits until
# `docker info` answers. Idempotent: does nothing when the engine already answers.
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive
WAIT_SECONDS="${DOCKER_UP_WAIT_SECONDS:-60}"
LOG_FILE="${DOCKER_UP_LOG:-/tmp/agentwire-dockerd.log}"

log() { printf 'docker-up: %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
[ -x /bin/busybox ] || missing+=(busybox-static)

if [ "${#missing[@]}" -gt 0 ]; then
  log "installing ${missing[*]}"
  as_root apt-get update -qq </dev/null
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/dev/null
fi

engine_answers() { timeout 5 docker info >/dev/null 2>&1; }

if engine_answers; then
  log "engine already running"
  exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
  log "starting dockerd (log: $LOG_FILE)"
  as_root nohup dockerd --storage-driver=vfs --iptables=false --ip6tables=false --bridge=none \
    >"$LOG_FILE" 2>&1 </dev/null &
fi

for _ in $(seq 1 "$((WAIT_SECONDS * 2))"); do
  if engine_answers; then
    log "engine ready"
    exit 0
  fi
  sleep 0.5
done

log "dockerd did not answer within ${WAIT_SECONDS}s; last lines of $LOG_FILE:"
tail -n 20 "$LOG_FILE" >&2 || true
log "fix: check the log above, or start the engine by hand and rerun"
exit 1
