#!/usr/bin/env bash
# Goes back to the release that ran before the last upgrade: sudo /opt/fleetsync/current/deploy/edge/rollback.sh [--force]
#
# Stops the gateway, swaps /opt/fleetsync/current and /opt/fleetsync/previous, installs that release's unit file
# and starts it. The journal in /var/lib/fleetsync and /etc/fleetsync/gateway.json are not touched, so events the
# newer release journalled are sent by the older one. If the journal is in a format the older release cannot read
# (its FORMAT file against the release's package.json fleetsync.journalFormat), nothing is switched and the message
# says how to send the journal first.
#   --force   go back anyway: a release from before the format marker stores and alerts but its uplink stops at
#             the first event it cannot read; a later one refuses to open the journal (nothing is deleted)
set -euo pipefail
# shellcheck source=deploy/edge/lib.sh
. "$(dirname "$0")/lib.sh"

FORCE=0
while [ $# -gt 0 ]; do
  case $1 in
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown option $1 (see --help)" ;;
  esac
done
[ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

CURRENT=$(readlink "$OPT/current" 2>/dev/null) || die "$OPT/current does not exist: nothing is installed"
PREVIOUS=$(readlink "$OPT/previous" 2>/dev/null) || die "there is no previous release to go back to"
[ -d "$OPT/$PREVIOUS" ] || die "$OPT/$PREVIOUS is gone"
[ "$CURRENT" != "$PREVIOUS" ] || die "current and previous are both $CURRENT"

# The current release's node reads the JSON files (the older release's may be gone or differ).
NODE=$OPT/$CURRENT/bin/node
[ -x "$NODE" ] || NODE=$(command -v node || echo node)
if ! journal_readable_by "$NODE" "$OPT/$PREVIOUS"; then
  why="$JOURNAL_DIR is in journal format $JOURNAL_FMT (written by $CURRENT) and $PREVIOUS reads formats up to $READS_FMT:
  $(journal_consequence)"
  [ "$FORCE" -eq 1 ] || die "not going back to $PREVIOUS; nothing was switched. $why.
  To go back safely, send the journal first, with $CURRENT still running: the flush direct method (docs/operations.md,
  Backlog), then wait until every lane's backlog is 0 (curl -s localhost:9100/metrics | grep '^fleetsync_gateway_journal_events');
  then systemctl stop $UNIT, mv $JOURNAL_DIR $JOURNAL_DIR.old, and run this script again.
  To go back anyway: $0 --force"
  say "warning (--force): $why"
fi

stop_if_active
switch_link "$PREVIOUS" current
switch_link "$CURRENT" previous
install_unit_from "$OPT/$PREVIOUS"
say "current -> $PREVIOUS (previous -> $CURRENT)"
if start_and_settle; then
  say "$UNIT is running $PREVIOUS"
else
  die "$UNIT did not stay up on $PREVIOUS; see: journalctl -u $UNIT -b"
fi
