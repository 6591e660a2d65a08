#!/bin/sh
# A planted defect for chaos explore's own test (ExploreDefectTests): the real metro-bot, but
# every start gets a fresh, empty database, as a container whose disk does not survive a restart
# would. Pending actions and queued rows are lost at each restart, so explore must find a lost row.
# The real bot is the `metro-bot` next to this script (the test puts a link there).
set -eu
here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
# The runner starts the bot in the scenario's workspace, which it removes afterwards.
fresh="$PWD/ephemeral-disk-$$"
mkdir -p "$fresh"
export DATABASE_PATH="$fresh/metropolitan.sqlite"
exec "$here/metro-bot" "$@"
