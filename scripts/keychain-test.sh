#!/usr/bin/env bash
# Runs every test that needs a real Secret Service — the vault suite and the no-secret-leak
# suites (direct and gateway mode) — on a private D-Bus session with an unlocked gnome-keyring
# in a throwaway HOME, so no real keyring is read or written. Fails (rather than skips) when a
# keyring suite did not run.
# Needs the Debian packages scripts/system-deps.sh installs (`npm test` runs it first).
# Usage: scripts/keychain-test.sh [vitest args]
#        (default: test/vault and both no-secret-leak suites; CI runs it without arguments)
set -euo pipefail
cd "$(dirname "$0")/.."

for tool in dbus-run-session dbus-send gnome-keyring-daemon secret-tool; do
  if ! command -v "$tool" >/dev/null; then
    echo "keychain-test: $tool is missing; run scripts/system-deps.sh" >&2
    exit 2
  fi
done

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# gnome-keyring keeps its files under HOME/XDG dirs and its control socket under XDG_RUNTIME_DIR:
# point them all into the throwaway directory.
export HOME="$work/home" XDG_DATA_HOME="$work/home/.local/share" XDG_CONFIG_HOME="$work/home/.config" \
  XDG_CACHE_HOME="$work/home/.cache" XDG_RUNTIME_DIR="$work/run"
mkdir -p "$HOME" && mkdir -m 0700 "$XDG_RUNTIME_DIR"
TEST_KEYRING_PASSWORD="$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
export TEST_KEYRING_PASSWORD SWITCHBOARD_KEYCHAIN_TEST=1
export VITEST_REPORT="$work/vitest.json"
# Call vitest directly: npx would look for its cache and config in the throwaway HOME.
export VITEST_BIN="$PWD/node_modules/.bin/vitest"

# The suites that skip themselves without SWITCHBOARD_KEYCHAIN_TEST=1; each must really run.
KEYCHAIN_SUITES="test/vault/keyring-store.test.ts test/security/no-secret-leak.test.ts test/security/no-secret-leak-gateway.test.ts"
export KEYCHAIN_SUITES
all_suites=0
if [ "$#" -eq 0 ]; then
  set -- test/vault test/security/no-secret-leak.test.ts test/security/no-secret-leak-gateway.test.ts
  all_suites=1
fi

dbus-run-session -- bash -euc '
  # gnome-keyring-daemon daemonizes and can outlive the bus when something fails half-way:
  # stop it by the PID the bus knows for the Secret Service name.
  stop_keyring() {
    local reply
    reply=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null) || return 0
    kill "${reply##* }" 2>/dev/null || true
  }
  trap stop_keyring EXIT
  eval "$(printf %s "$TEST_KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
  export GNOME_KEYRING_CONTROL
  # The daemon forks before it owns the Secret Service name. A test that calls it sooner makes
  # the bus start a second, locked daemon (it then asks for a prompt that has no display and the
  # suite fails): wait, bounded, until our unlocked daemon answers on the bus.
  owned=""
  for _ in $(seq 1 100); do
    if dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
      org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q "boolean true"; then
      owned=1
      break
    fi
    sleep 0.1
  done
  if [ -z "$owned" ]; then
    echo "keychain-test: gnome-keyring-daemon did not take the Secret Service name within 10 s" >&2
    exit 1
  fi
  "$VITEST_BIN" run --reporter=default --reporter=json --outputFile="$VITEST_REPORT" "$@"
' keychain-test "$@"

# A skipped keyring suite would pass silently; CI must have run it. With the default targets
# every keychain suite must have run; with other arguments, every keychain suite they reached.
node -e '
  const report = require(process.argv[1]);
  const all = process.argv[2] === "1";
  const suites = process.env.KEYCHAIN_SUITES.split(" ");
  let reached = 0;
  let bad = false;
  for (const name of suites) {
    const files = report.testResults.filter((f) => f.name.endsWith(name));
    const tests = files.flatMap((f) => f.assertionResults);
    const ran = tests.filter((t) => t.status === "passed").length;
    const skipped = tests.filter((t) => t.status !== "passed" && t.status !== "failed").length;
    if (files.length === 0 && !all) continue;
    reached += 1;
    if (files.length === 0 || ran === 0 || skipped > 0) {
      console.error(`keychain-test: ${name} did not run against the Secret Service (passed ${ran}, skipped ${skipped})`);
      bad = true;
    } else {
      console.log(`keychain-test: ${name} ran, ${ran} tests passed`);
    }
  }
  if (reached === 0) {
    console.error("keychain-test: none of the keychain suites ran: " + suites.join(", "));
    bad = true;
  }
  process.exit(bad ? 1 : 0);
' "$VITEST_REPORT" "$all_suites"
