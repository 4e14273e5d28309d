#!/usr/bin/env bash
# The system packages the test suites need, checked before anything else runs (`npm test`
# calls this first; .ci/run relies on it). This file is the one list of them.
#   chromium: the end-to-end suites drive Debian's /usr/bin/chromium.
#   gnome-keyring, libsecret-tools, dbus-x11: a real Secret Service for scripts/keychain-test.sh.
#   nats-server: the NATS suites (test/nats/) start Debian's server (2.9) themselves; Debian puts
#     it in /usr/sbin, which a non-root PATH often lacks, so it is checked (and run) by that path.
# Missing ones are installed when we may (root, or passwordless sudo); otherwise we stop at
# once with the exact command, rather than let a suite skip or fail half-way through.
set -euo pipefail

PACKAGES=(chromium gnome-keyring libsecret-tools dbus-x11 nats-server)
# What the suites actually call; on a system without dpkg these are all we can check.
TOOLS=(/usr/bin/chromium dbus-run-session dbus-send gnome-keyring-daemon secret-tool /usr/sbin/nats-server)
#   xvfb: only where the Electron binary is installed and there is no display, for the Electron
#   suites (scripts/test-electron.ts runs them under xvfb-run); where it is absent they don't run.
electron_dist="${ELECTRON_OVERRIDE_DIST_PATH:-$(dirname "$0")/../node_modules/electron/dist}"
if [ "$(uname -s)" = Linux ] && [ -z "${DISPLAY:-}" ] && [ -d "$electron_dist" ]; then
  PACKAGES+=(xvfb)
  TOOLS+=(xvfb-run)
fi

missing_tools() {
  local t
  for t in "${TOOLS[@]}"; do command -v "$t" >/dev/null 2>&1 || printf '%s ' "$t"; done
}

if ! command -v dpkg >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  gone="$(missing_tools)"
  [ -z "$gone" ] && exit 0
  echo "system-deps: not a Debian/Ubuntu system (no dpkg/apt-get) and ${gone% } missing; install the equivalents of the Debian packages: ${PACKAGES[*]}" >&2
  exit 1
fi

need=()
for p in "${PACKAGES[@]}"; do
  dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed' || need+=("$p")
done
if [ ${#need[@]} -eq 0 ]; then
  gone="$(missing_tools)"
  [ -z "$gone" ] && exit 0
  # Installed, yet a tool is not on PATH (a broken install, or a PATH without /usr/bin).
  echo "system-deps: ${PACKAGES[*]} are installed but ${gone% } not found on PATH=$PATH" >&2
  exit 1
fi

if [ "$(id -u)" -eq 0 ]; then
  as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root=(sudo -n)
else
  echo "system-deps: missing ${need[*]}; run: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 1
fi

echo "system-deps: installing ${need[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -qq
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
gone="$(missing_tools)"
if [ -n "$gone" ]; then
  echo "system-deps: installed ${need[*]} but ${gone% } still missing" >&2
  exit 1
fi
