#!/usr/bin/env bash
# Goes back to the release that ran before the last upgrade: sudo /opt/fleetsync/current/deploy/edge/rollback.sh
#
# Stops the gateway, swaps /opt/fleetsync/current and /opt/fleetsync/previous, installs that release's unit file
# and starts it. The journal in /var/lib/fleetsync and /etc/fleetsync/gateway.json are not touched, so events the
# newer release journalled are sent by the older one (the journal's on-disk format is the same across releases
# unless a release's notes say otherwise; do not roll back across such a release).
set -euo pipefail
# shellcheck source=deploy/edge/lib.sh
. "$(dirname "$0")/lib.sh"

case ${1:-} in
  '') ;;
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown option $1 (see --help)" ;;
esac
[ -n "$ROOT" ] || [ "$(id -u)" -eq 0 ] || die "run as root (sudo $0)"

CURRENT=$(readlink "$OPT/current" 2>/dev/null) || die "$OPT/current does not exist: nothing is installed"
PREVIOUS=$(readlink "$OPT/previous" 2>/dev/null) || die "there is no previous release to go back to"
[ -d "$OPT/$PREVIOUS" ] || die "$OPT/$PREVIOUS is gone"
[ "$CURRENT" != "$PREVIOUS" ] || die "current and previous are both $CURRENT"

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
