#!/usr/bin/env bash
# Dump Marginalia's PostgreSQL database into a dated file and keep only the newest few.
#
#   DATABASE_URL=postgres://marginalia@127.0.0.1:5432/marginalia deploy/backup.sh [DIRECTORY]
#
# DIRECTORY defaults to $MARGINALIA_BACKUP_DIR, then /var/backups/marginalia. MARGINALIA_BACKUP_KEEP (14) dumps
# are kept: older ones are deleted only after a new dump has been written completely. The dump is pg_dump's
# custom format (compressed, restorable table by table with pg_restore): deploy/restore.sh puts it back.
# Prints the new file's path; exits non-zero, leaving the older dumps alone, if anything fails.
set -euo pipefail

if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "backup.sh: set DATABASE_URL to the database to dump (postgres://user@host:port/name)" >&2
    exit 2
fi
# The URL becomes PG* variables: a password on the command line would show in `ps`.
connection="$(python3 "$(dirname "${BASH_SOURCE[0]}")/pg_environment.py")" || exit 2
eval "$connection"
directory="${1:-${MARGINALIA_BACKUP_DIR:-/var/backups/marginalia}}"
keep="${MARGINALIA_BACKUP_KEEP:-14}"
if ! [[ "$keep" =~ ^[1-9][0-9]*$ ]]; then
    echo "backup.sh: MARGINALIA_BACKUP_KEEP=$keep is not a whole number of at least 1" >&2
    exit 2
fi

umask 077
mkdir -p "$directory"
target="$directory/marginalia-$(date -u +%Y%m%dT%H%M%SZ).dump"
# Written under another name first, so a dump cut short is never taken for a backup nor counted among the kept.
partial="$target.partial"
trap 'rm -f "$partial"' EXIT
pg_dump --format=custom --no-owner --no-privileges --file="$partial"
mv "$partial" "$target"
trap - EXIT

# Names sort by time (UTC, fixed width), so all but the newest $keep are the oldest.
mapfile -t dumps < <(find "$directory" -maxdepth 1 -type f -name 'marginalia-*.dump' -printf '%f\n' | sort)
excess=$((${#dumps[@]} - keep))
for ((i = 0; i < excess; i++)); do
    rm -f -- "$directory/${dumps[i]}"
done
echo "$target"
