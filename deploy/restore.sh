#!/usr/bin/env bash
# Restore a dump written by deploy/backup.sh into an empty PostgreSQL database, then check it.
#
#   DATABASE_URL=postgres://marginalia@127.0.0.1:5432/marginalia_restored deploy/restore.sh DUMP
#
# The database must exist and hold no tables (createdb -O marginalia marginalia_restored): restore.sh refuses
# to write over data. After pg_restore it runs, from the checkout it lives in, `manage.py migrate --check` (the
# dump's schema is the code's: no migration is missing) and `manage.py check_summaries` (every paper's summary
# columns agree with its annotations). Stop gunicorn and the workers first if DATABASE_URL is the live one.
set -euo pipefail

if [[ $# -ne 1 ]]; then
    echo "usage: DATABASE_URL=postgres://… $0 DUMP" >&2
    exit 2
fi
dump="$1"
if [[ ! -f "$dump" ]]; then
    echo "restore.sh: no dump at $dump" >&2
    exit 2
fi
if [[ -z "${DATABASE_URL:-}" ]]; then
    echo "restore.sh: set DATABASE_URL to the empty database to restore into" >&2
    exit 2
fi
# The URL becomes PG* variables: a password on the command line would show in `ps`.
connection="$(python3 "$(dirname "${BASH_SOURCE[0]}")/pg_environment.py")" || exit 2
eval "$connection"
checkout="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
python="${MARGINALIA_PYTHON:-$checkout/.venv/bin/python}"

tables="$(psql --no-psqlrc --tuples-only --no-align \
    --command="SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")"
if [[ "$tables" != "0" ]]; then
    echo "restore.sh: the database already holds $tables tables; restore into an empty one" >&2
    exit 1
fi

# One transaction: a restore that fails half-way leaves the database empty, not half-filled.
pg_restore --no-owner --no-privileges --exit-on-error --single-transaction --dbname="$PGDATABASE" "$dump"

cd "$checkout"
"$python" manage.py migrate --check
"$python" manage.py check_summaries
echo "restore.sh: restored $dump"
