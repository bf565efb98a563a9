#!/bin/sh
# Installs Debian's mosquitto broker for the edge ingest comparison (bench/suites/mosquitto-baseline.ts).
# Does nothing when mosquitto is already on the PATH; needs root and apt-get otherwise. The system service is not
# used: the bench starts its own broker on a free loopback port with a temporary configuration.
set -eu
if command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ]; then
  echo "mosquitto already installed: $(command -v mosquitto || echo /usr/sbin/mosquitto)"
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "mosquitto is missing and this is not root: run 'sudo apt-get install -y mosquitto'" >&2
  exit 2
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "mosquitto is missing and apt-get is not available" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# policy-rc.d stops the package from starting the system-wide broker on port 1883 during the install.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
cleanup() { if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi; }
trap cleanup EXIT
apt-get install -y --no-install-recommends mosquitto || { apt-get update && apt-get install -y --no-install-recommends mosquitto; }
echo "installed: $(/usr/sbin/mosquitto -h 2>/dev/null | head -n 1 || true)"
