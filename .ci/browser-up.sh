#!/usr/bin/env bash
# Makes Debian's Chromium available for the HTML report's browser test (driven by
# playwright-core, which downloads nothing). Idempotent: does nothing when it is installed.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

if [ -x /usr/bin/chromium ]; then
  echo "browser-up: chromium present" >&2
  exit 0
fi
echo "browser-up: installing chromium" >&2
as_root apt-get update -qq </dev/null
as_root apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core </dev/null >/dev/null
/usr/bin/chromium --version >&2
