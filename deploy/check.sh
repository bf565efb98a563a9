#!/usr/bin/env bash
# Offline checks of everything under deploy/: the systemd unit (systemd-analyze verify and security), the shell
# scripts (shellcheck), the Prometheus rules (promtool check rules, test rules, check config), and the vitest files
# that install/upgrade/roll back the gateway in a scratch root and check the image, compose, Kubernetes, Bicep and
# dashboard files. Installs the Debian packages it needs (systemd, prometheus for promtool, shellcheck) when missing.
#
#   bash deploy/check.sh              # everything
#   bash deploy/check.sh --no-vitest  # when the test runner already ran test/deploy and edge/systemd-notify.test.ts
#
# Exits non-zero when any check fails. Bounded: each step has a time limit; the whole run takes well under 5 minutes.
set -euo pipefail
cd "$(dirname "$0")/.."

RUN_VITEST=1
for a in "$@"; do
  case $a in
    --no-vitest) RUN_VITEST=0 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

failures=()
step() { printf '\n== %s\n' "$1"; }
fail() { printf 'FAILED: %s\n' "$1"; failures+=("$1"); }

# --- tools ---------------------------------------------------------------------------------------------------
need=()
command -v systemd-analyze >/dev/null || need+=(systemd)
command -v promtool >/dev/null || need+=(prometheus)
command -v shellcheck >/dev/null || need+=(shellcheck)
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "check.sh: ${need[*]} missing and not root: install them with apt-get" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt=(apt-get -qq -o DPkg::Lock::Timeout=120)
  timeout 180 "${apt[@]}" update >/dev/null
  # --no-install-recommends: promtool without the node exporter and the web assets. The postinst scripts do not
  # start a Prometheus server in a container (no init system), and we never ask them to.
  timeout 240 "${apt[@]}" install -y --no-install-recommends "${need[@]}" >/dev/null
fi

# --- systemd unit --------------------------------------------------------------------------------------------
step "systemd-analyze verify deploy/edge/fleetsync-gateway.service"
# A scratch root with the unit where it is installed and its ExecStart binary in place, so that verify checks the
# real paths; systemd's own units are copied in for the dependencies (network-online.target, sysinit.target...).
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/etc/systemd/system" "$root/opt/fleetsync/current/bin" "$root/usr/lib/systemd"
cp -a /usr/lib/systemd/system "$root/usr/lib/systemd/"
printf '#!/bin/sh\n' > "$root/opt/fleetsync/current/bin/node"
chmod 0755 "$root/opt/fleetsync/current/bin/node"
cp deploy/edge/fleetsync-gateway.service "$root/etc/systemd/system/"
# verify exits 0 on unknown or misspelt keys and only prints them, so any output counts as a failure.
if out=$(timeout 60 systemd-analyze verify --root="$root" fleetsync-gateway.service 2>&1) && [ -z "$out" ]; then
  echo "ok"
else
  printf '%s\n' "$out"
  fail "systemd-analyze verify"
fi

step "systemd-analyze security (exposure must stay at or below 2.0)"
if timeout 60 systemd-analyze security --offline=true --root="$root" --threshold=20 fleetsync-gateway.service >"$root/security.txt" 2>&1; then
  tail -n 1 "$root/security.txt"
else
  grep -E '✗|Overall' "$root/security.txt" || cat "$root/security.txt"
  fail "systemd-analyze security"
fi

# --- shell scripts -------------------------------------------------------------------------------------------
step "shellcheck deploy/**/*.sh"
mapfile -t scripts < <(find deploy -name '*.sh' | sort)
if timeout 60 shellcheck -x "${scripts[@]}"; then echo "ok (${#scripts[@]} scripts)"; else fail "shellcheck"; fi

# --- Prometheus ----------------------------------------------------------------------------------------------
prom=deploy/observability/prometheus
step "promtool check rules"
timeout 60 promtool check rules "$prom/fleetsync-alerts.yml" || fail "promtool check rules"
step "promtool test rules"
(cd "$prom" && timeout 60 promtool test rules fleetsync-alerts.test.yml) || fail "promtool test rules"
step "promtool check config"
# The example scrape config reads gateway targets from files that exist only on a real server: that warning is fine.
(cd "$prom" && timeout 60 promtool check config prometheus.yml) || fail "promtool check config"

# --- file structure, install scripts, notifier ---------------------------------------------------------------
if [ "$RUN_VITEST" -eq 1 ]; then
  step "vitest: test/deploy and edge/systemd-notify.test.ts"
  timeout 240 npx vitest run test/deploy edge/systemd-notify.test.ts || fail "vitest deploy tests"
fi

echo
if [ ${#failures[@]} -gt 0 ]; then
  printf 'deploy checks failed: %s\n' "${failures[*]}"
  exit 1
fi
echo "deploy checks passed"
