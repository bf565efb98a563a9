# shellcheck shell=bash disable=SC2034
# Shared by install.sh and rollback.sh (sourced, not run). SC2034: the variables are used by the scripts that source it.
#
# Layout on the truck:
#   /opt/fleetsync/releases/<version>/   one unpacked release each, read-only (root:root)
#   /opt/fleetsync/current  -> releases/<version>   what the unit runs
#   /opt/fleetsync/previous -> releases/<version>   what rollback.sh goes back to
#   /etc/fleetsync/gateway.json                      configuration, kept across upgrades
#   /var/lib/fleetsync/                              data: LevelDB journal, remote-config.json; never touched here
#
# FLEETSYNC_ROOT puts all of these under a scratch folder and skips users and ownership (tests);
# FLEETSYNC_SYSTEMCTL replaces systemctl (tests, or chroot installs with "true").

ROOT=${FLEETSYNC_ROOT:-}
SYSTEMCTL=${FLEETSYNC_SYSTEMCTL:-systemctl}
SETTLE_S=${FLEETSYNC_SETTLE_S:-15}
UNIT=fleetsync-gateway.service
OPT=$ROOT/opt/fleetsync
ETC=$ROOT/etc/fleetsync
DATA=$ROOT/var/lib/fleetsync
UNIT_DIR=$ROOT/etc/systemd/system
SVC_USER=fleetsync

say() { printf '%s: %s\n' "${0##*/}" "$*"; }
die() { printf '%s: %s\n' "${0##*/}" "$*" >&2; exit 1; }

# Ownership only on a real install: the service user does not exist in a scratch root.
own() { [ -n "$ROOT" ] || chown "$@"; }

have_systemd() { [ -n "${FLEETSYNC_SYSTEMCTL:-}" ] || [ -d /run/systemd/system ]; }
sysctl() { if have_systemd; then "$SYSTEMCTL" "$@"; else return 0; fi; }

stop_if_active() {
  have_systemd || return 0
  if "$SYSTEMCTL" is-active --quiet "$UNIT"; then "$SYSTEMCTL" stop "$UNIT"; fi
}

# Atomic symlink switch: a crash leaves either the old or the new link, never none.
switch_link() { # target name
  ln -sfn "$1" "$OPT/.$2.new"
  mv -Tf "$OPT/.$2.new" "$OPT/$2"
}

# The unit file comes from the release it runs, so a rollback also rolls back the unit.
install_unit_from() { # release dir
  mkdir -p "$UNIT_DIR"
  install -m 0644 "$1/deploy/edge/$UNIT" "$UNIT_DIR/$UNIT"
  sysctl daemon-reload
}

# Starts the unit and checks it stays up: Type=notify makes "start" wait for READY=1, and a crash soon after
# shows up as a restart.
start_and_settle() {
  sysctl start "$UNIT" || return 1
  have_systemd || return 0
  local before after
  before=$("$SYSTEMCTL" show -p NRestarts --value "$UNIT" 2>/dev/null || echo 0)
  sleep "$SETTLE_S"
  "$SYSTEMCTL" is-active --quiet "$UNIT" || return 1
  after=$("$SYSTEMCTL" show -p NRestarts --value "$UNIT" 2>/dev/null || echo 0)
  [ "$before" = "$after" ]
}

# --- journal format ------------------------------------------------------------------------------------------
# The journal says its on-disk format in <dataDir>/journal/FORMAT (edge/journal/format-marker.ts; no file: 1) and a
# release says which formats it reads in package.json's fleetsync.journalFormat (missing: 1). An older release
# cannot read what a newer one wrote: one from before the marker (format 1) runs, but its uplink stops at the first
# event it cannot read; one that knows the marker (2 and up) refuses to open the journal and does not start.

# The journal folder: dataDir from gateway.json (relative to the unit's WorkingDirectory), default /var/lib/fleetsync.
journal_dir() { # node
  local d
  d=$(FS_CONF=$ETC/gateway.json "$1" -e '
    let d;
    try { d = JSON.parse(require("node:fs").readFileSync(process.env.FS_CONF, "utf8")).dataDir; } catch {}
    process.stdout.write(require("node:path").resolve("/var/lib/fleetsync", typeof d === "string" && d ? d : "."));
  ' 2>/dev/null) || d=/var/lib/fleetsync
  printf '%s/journal\n' "$ROOT$d"
}

# Returns 0 when the release in $2 reads the journal. Sets JOURNAL_DIR, JOURNAL_FMT (the journal's format) and
# READS_FMT (the newest format the release reads); a value that cannot be read counts as "cannot read".
journal_readable_by() { # node release-dir
  JOURNAL_DIR=$(journal_dir "$1")
  JOURNAL_FMT=1 READS_FMT=1
  if [ -e "$JOURNAL_DIR/FORMAT" ]; then JOURNAL_FMT=$(head -n 1 "$JOURNAL_DIR/FORMAT" 2>/dev/null | tr -d '[:space:]'); fi
  case $JOURNAL_FMT in 1) return 0 ;; ''|*[!0-9]*) JOURNAL_FMT="'${JOURNAL_FMT}' (unreadable)"; return 1 ;; esac
  READS_FMT=$(FS_PKG=$2/package.json "$1" -p 'require(process.env.FS_PKG).fleetsync?.journalFormat ?? 1' 2>/dev/null) || READS_FMT=''
  case $READS_FMT in ''|*[!0-9]*) READS_FMT="unknown (cannot read $2/package.json)"; return 1 ;; esac
  [ "$JOURNAL_FMT" -le "$READS_FMT" ]
}

# After journal_readable_by said no: what that release would do with the journal, in a sentence part.
journal_consequence() {
  case $READS_FMT in
    1) printf 'its uplink would stop at the first event it cannot read (it keeps storing and alerting; nothing is deleted)' ;;
    *[!0-9]*) printf 'it may not be able to use the journal at all' ;;
    *) printf 'it would refuse to open the journal and not start (no storing, no alerts; nothing is deleted)' ;;
  esac
}

# 0 when that release would at least run (store and alert) beside the journal: it predates the format marker.
journal_runs_beside() {
  [ "$READS_FMT" = 1 ]
}
