#!/usr/bin/env bash
# Installs or upgrades the fleetsync gateway on Debian or Raspberry Pi OS (bookworm or later), arm64 or amd64.
#
# Run as root from an unpacked release (a folder with package.json, cli/, node_modules/ and deploy/), e.g. one
# made by deploy/edge/build-release.sh:
#
#   sudo ./deploy/edge/install.sh [options]
#     --gateway-id ID                first install: gatewayId in the new /etc/fleetsync/gateway.json
#     --vehicle ID                   first install: vehicle in the new gateway.json
#     --connection-string-file FILE  set uplink.connectionString from FILE (kept off the command line)
#     --node PATH                    Node.js binary to use (default: the release's node/bin/node, else node on PATH)
#     --no-start                     install and enable, but do not (re)start the service
#     --reinstall                    replace a release folder of the same version
#
# An upgrade stops the gateway, switches /opt/fleetsync/current to the new release and starts it; the journal in
# /var/lib/fleetsync is left as it is, so nothing unsent is lost. If the new release does not come up, the previous
# one is switched back and started (with a warning when it cannot read the journal's format). deploy/edge/rollback.sh
# goes back by hand.
set -euo pipefail
# shellcheck source=deploy/edge/lib.sh
. "$(dirname "$0")/lib.sh"

MIN_NODE=20.19.0
SRC=$(cd "$(dirname "$0")/../.." && pwd)
GATEWAY_ID='' VEHICLE='' CS_FILE='' NODE_BIN='' START=1 REINSTALL=0
while [ $# -gt 0 ]; do
  case $1 in
    --gateway-id) GATEWAY_ID=${2:?--gateway-id needs a value}; shift 2 ;;
    --vehicle) VEHICLE=${2:?--vehicle needs a value}; shift 2 ;;
    --connection-string-file) CS_FILE=${2:?--connection-string-file needs a file}; shift 2 ;;
    --node) NODE_BIN=${2:?--node needs a path}; shift 2 ;;
    --no-start) START=0; shift ;;
    --reinstall) REINSTALL=1; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done

[ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

# --- the machine ---------------------------------------------------------------------------------------------
arch=$(dpkg --print-architecture 2>/dev/null || uname -m)
case $arch in
  amd64|x86_64) arch=amd64 ;;
  arm64|aarch64) arch=arm64 ;;
  *) die "architecture $arch is not supported: use a 64-bit OS (Raspberry Pi OS 64-bit on a Pi 3/4/5, or amd64)" ;;
esac
if [ -r /etc/os-release ]; then
  # In a subshell: os-release sets VERSION, NAME and more, which must not leak into this script.
  # shellcheck disable=SC1091
  IFS='|' read -r os_like os_version os_name < <(. /etc/os-release; printf '%s|%s|%s\n' "${ID:-} ${ID_LIKE:-}" "${VERSION_ID:-}" "${PRETTY_NAME:-this OS}")
  case " $os_like " in *' debian '*|*' raspbian '*) ;; *) say "warning: $os_name is not Debian-based; continuing" ;; esac
  [ -z "$os_version" ] || [ "${os_version%%.*}" -ge 12 ] 2>/dev/null || say "warning: $os_name is not Debian 12 (bookworm) or later; continuing"
fi
have_systemd || say "warning: systemd is not running here; files are installed but the service is not started"

# --- the release ---------------------------------------------------------------------------------------------
for f in package.json cli/fleetsync.js deploy/edge/$UNIT deploy/edge/check-config.ts; do
  [ -e "$SRC/$f" ] || die "$SRC is not a release folder: $f is missing"
done
[ -d "$SRC/node_modules" ] || die "$SRC has no node_modules: build the release with deploy/edge/build-release.sh (npm ci --omit=dev)"

version_ok() { [ "$(printf '%s\n%s\n' "$MIN_NODE" "$1" | sort -V | head -n1)" = "$MIN_NODE" ]; }
node_version() { "$1" -p 'process.versions.node' 2>/dev/null || true; }

# Node.js: Debian bookworm ships 18.x, which is too old. Never downloaded here: a truck may have no network, and
# what runs on it should come from a source the fleet operator chose.
found=''
NODE_LINK=''
ASKED=$NODE_BIN
[ -z "$ASKED" ] || [ -x "$ASKED" ] || die "--node $ASKED is not an executable file"
for cand in "$ASKED" "$SRC/node/bin/node" "$(command -v node || true)"; do
  if [ -z "$cand" ] || [ ! -x "$cand" ]; then continue; fi
  v=$(node_version "$cand")
  if [ -n "$v" ] && version_ok "$v"; then
    NODE_BIN=$cand
    # A bundled Node is linked relatively so the release folder stays self-contained.
    if [ "$cand" = "$SRC/node/bin/node" ]; then NODE_LINK=../node/bin/node; else NODE_LINK=$(readlink -f "$cand"); fi
    break
  fi
  if [ "$cand" = "$ASKED" ]; then die "--node $cand is Node.js ${v:-of unknown version}; Node.js >= $MIN_NODE is required"; fi
  found="$found $cand (${v:-unknown version})"
done
if [ -z "$NODE_LINK" ]; then
  die "Node.js >= $MIN_NODE is required (found:${found:- none}).
  Debian bookworm's own nodejs package is 18.x. Either install Node.js 20 or 22 for $arch from a package source you
  trust (the NodeSource repository, or your fleet's mirror of it), or unpack an official Node.js linux-${arch/amd64/x64}
  tarball into $SRC/node (so that $SRC/node/bin/node exists) and run this script again."
fi
say "Node.js $(node_version "$NODE_BIN") at $NODE_BIN"

# The LevelDB binding is native: make sure this release carries one for this machine before switching to it.
(cd "$SRC" && "$NODE_BIN" -e "require('classic-level')") >/dev/null 2>&1 ||
  die "the release's LevelDB binding (classic-level) does not load with this Node.js on $arch: build the release for $arch"

# The quick-ACK addon is optional: without it sensors that leave Nagle's algorithm on may wait for the disk.
(cd "$SRC" && "$NODE_BIN" -e "require('sockopt')") >/dev/null 2>&1 ||
  say "note: the sockopt addon does not load on $arch: the gateway runs without TCP quick ACKs (broker.tcp.quickAck; build the release on an $arch machine)"

# A release runs its bundle (dist/) when it has an up-to-date one; otherwise the sources through tsx, which works
# but costs about 40 MB more memory.
code=$(cd "$SRC" 2>/dev/null && "$NODE_BIN" --input-type=module -e "import('./cli/load-main.js').then((m) => process.stdout.write(m.codeSource()))" 2>/dev/null) || code=''
if [ "$code" = dist ]; then say "the release runs its bundle (dist/)"
else say "note: no up-to-date bundle in $SRC/dist: the gateway will run its TypeScript sources (build releases with deploy/edge/build-release.sh)"; fi

VERSION=$(cd "$SRC" && "$NODE_BIN" -p "require('./package.json').version")
REL=$OPT/releases/$VERSION
CURRENT=$(readlink "$OPT/current" 2>/dev/null || true)

# --- service user and folders --------------------------------------------------------------------------------
if [ -z "$ROOT" ] && ! getent passwd "$SVC_USER" >/dev/null; then
  useradd --system --user-group --home-dir /var/lib/fleetsync --no-create-home --shell /usr/sbin/nologin \
    --comment 'fleetsync gateway' "$SVC_USER"
  say "created system user $SVC_USER"
fi
mkdir -p "$OPT/releases" "$ETC" "$DATA"
chmod 0755 "$OPT" "$OPT/releases"
chmod 0750 "$ETC" "$DATA"
own root:"$SVC_USER" "$ETC"
own "$SVC_USER:$SVC_USER" "$DATA"

# --- copy the release ----------------------------------------------------------------------------------------
if [ -e "$REL" ] && [ "$REL" -ef "$SRC" ]; then
  say "release $VERSION is already in place"
elif [ -e "$REL" ] && [ "$REINSTALL" -eq 0 ]; then
  die "release $VERSION is already installed in $REL (use --reinstall to replace it)"
else
  stage=$OPT/releases/.staging-$VERSION-$$
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage"
  tar -C "$SRC" --exclude=./.git --exclude=./.data -cf - . | tar -C "$stage" -xf -
  mkdir -p "$stage/bin"
  ln -sfn "$NODE_LINK" "$stage/bin/node"
  own -R root:root "$stage"
  chmod -R go-w "$stage"
  if [ -e "$REL" ]; then
    if [ "releases/$VERSION" = "$CURRENT" ]; then stop_if_active; fi
    rm -rf "$REL"
  fi
  mv -T "$stage" "$REL"
  trap - EXIT
  say "installed release $VERSION in $REL"
fi

# --- configuration -------------------------------------------------------------------------------------------
CONF=$ETC/gateway.json
if [ ! -e "$CONF" ]; then
  install -m 0640 "$REL/deploy/edge/gateway.sample.json" "$CONF"
  say "wrote $CONF from the sample"
  NEW_CONF=1
else
  NEW_CONF=0
fi
# Edits go through Node so the file stays valid JSON; the connection string is read from a file, never argv.
if [ -n "$GATEWAY_ID$VEHICLE$CS_FILE" ]; then
  [ -z "$CS_FILE" ] || [ -r "$CS_FILE" ] || die "cannot read $CS_FILE"
  FS_CONF=$CONF FS_ID=$GATEWAY_ID FS_VEHICLE=$VEHICLE FS_CS_FILE=$CS_FILE "$NODE_BIN" -e '
    const fs = require("node:fs");
    const c = JSON.parse(fs.readFileSync(process.env.FS_CONF, "utf8"));
    if (process.env.FS_ID) c.gatewayId = process.env.FS_ID;
    if (process.env.FS_VEHICLE) c.vehicle = process.env.FS_VEHICLE;
    if (process.env.FS_CS_FILE) (c.uplink ??= {}).connectionString = fs.readFileSync(process.env.FS_CS_FILE, "utf8").trim();
    fs.writeFileSync(process.env.FS_CONF + ".new", JSON.stringify(c, null, 2) + "\n", { mode: 0o640 });
    fs.renameSync(process.env.FS_CONF + ".new", process.env.FS_CONF);
  '
fi
own root:"$SVC_USER" "$CONF"
chmod 0640 "$CONF"

# The new release checks the configuration with its own schema before anything is switched.
if ! (cd "$REL" && "$REL/bin/node" --import tsx deploy/edge/check-config.ts "$CONF" --data-dir /var/lib/fleetsync); then
  die "release $VERSION refuses $CONF (see above); nothing was switched. Fix the file and run this script again."
fi

# --- switch --------------------------------------------------------------------------------------------------
if [ "$CURRENT" = "releases/$VERSION" ]; then
  install_unit_from "$REL"
else
  stop_if_active
  switch_link "releases/$VERSION" current
  if [ -n "$CURRENT" ]; then switch_link "$CURRENT" previous; fi
  install_unit_from "$REL"
  say "current -> releases/$VERSION${CURRENT:+ (previous -> $CURRENT)}"
fi
sysctl enable "$UNIT" >/dev/null

# `fleetsync` on PATH for operators (hash-password, --check), always running the current release.
mkdir -p "$ROOT/usr/local/bin"
printf '#!/bin/sh\nexec /opt/fleetsync/current/bin/node /opt/fleetsync/current/cli/fleetsync.js "$@"\n' > "$ROOT/usr/local/bin/fleetsync.new"
chmod 0755 "$ROOT/usr/local/bin/fleetsync.new"
mv -f "$ROOT/usr/local/bin/fleetsync.new" "$ROOT/usr/local/bin/fleetsync"

# Keep current, previous and the three newest releases.
# Release names are versions (no spaces or newlines), so ls is fine here.
# shellcheck disable=SC2012
(cd "$OPT/releases" && ls -1t | while read -r r; do
  case $r in .staging-*) continue ;; esac
  [ "releases/$r" = "$(readlink "$OPT/current")" ] && continue
  [ "releases/$r" = "$(readlink "$OPT/previous" 2>/dev/null || true)" ] && continue
  printf '%s\n' "$r"
done | tail -n +4 | while read -r old; do rm -rf "${OPT:?}/releases/$old"; say "removed old release $old"; done)

if [ "$START" -eq 0 ]; then
  say "not started (--no-start): systemctl start $UNIT"
  exit 0
fi
if [ "$NEW_CONF" -eq 1 ] && [ -z "$GATEWAY_ID" ]; then
  say "edit $CONF (gatewayId, vehicle, sensors, uplink.connectionString), then: systemctl start $UNIT"
  exit 0
fi
if start_and_settle; then
  say "$UNIT is running release $VERSION"
  exit 0
fi
if [ -n "$CURRENT" ] && [ "$CURRENT" != "releases/$VERSION" ]; then
  # Going back beats a gateway that does not stay up, even when the older release cannot send all of the journal;
  # not when it would not start at all beside it.
  if ! journal_readable_by "$NODE_BIN" "$OPT/$CURRENT" && ! journal_runs_beside; then
    die "release $VERSION did not stay up, and not switching back: $JOURNAL_DIR is in journal format $JOURNAL_FMT and
  $CURRENT reads formats up to $READS_FMT: $(journal_consequence). Fix what keeps $VERSION from staying
  up (journalctl -u $UNIT -b) and install it again; or, to run $CURRENT, stop $UNIT, move $JOURNAL_DIR away (its
  unsent events stay in it for a release that reads it) and run rollback.sh"
  fi
  say "release $VERSION did not stay up; switching back to $CURRENT"
  stop_if_active || true
  switch_link "$CURRENT" current
  switch_link "releases/$VERSION" previous
  install_unit_from "$OPT/$CURRENT"
  sysctl start "$UNIT" || true
  if ! journal_readable_by "$NODE_BIN" "$OPT/$CURRENT"; then
    say "warning: $JOURNAL_DIR is in journal format $JOURNAL_FMT and $CURRENT reads formats up to $READS_FMT: it stores
  and alerts, but its uplink stops at the first event it cannot read (nothing is deleted). Fix what kept $VERSION from
  staying up and install it again: it reads the whole journal."
  fi
  die "upgrade to $VERSION failed and was rolled back; see: journalctl -u $UNIT -b"
fi
die "$UNIT did not stay up; see: journalctl -u $UNIT -b"
