"""Print DATABASE_URL as libpq's PG* variables, for deploy/backup.sh and deploy/restore.sh to `eval`.

The password then reaches pg_dump, pg_restore and psql through their environment rather than their command line,
which any local user can read in `ps`. The URL is read from the environment for the same reason.
"""

import os
import shlex
import sys
from urllib.parse import parse_qsl, unquote, urlsplit

url = urlsplit(os.environ.get("DATABASE_URL", ""))
if url.scheme not in {"postgres", "postgresql"}:
    sys.exit("DATABASE_URL is not a PostgreSQL URL (postgres://user:password@host:port/name)")
try:
    port = url.port
except ValueError:
    sys.exit("DATABASE_URL's port is not a number")
name = unquote(url.path.lstrip("/"))
if not name:
    sys.exit("DATABASE_URL names no database")
found = {
    "PGHOST": unquote(url.hostname or ""),
    "PGPORT": str(port or ""),
    "PGUSER": unquote(url.username or ""),
    "PGPASSWORD": unquote(url.password or ""),
    "PGDATABASE": name,
}
# Query parameters libpq also takes from the environment, e.g. ?sslmode=require for a managed PostgreSQL.
libpq = {"sslmode": "PGSSLMODE", "sslrootcert": "PGSSLROOTCERT", "connect_timeout": "PGCONNECT_TIMEOUT"}
for key, value in parse_qsl(url.query):
    if key in libpq:
        found[libpq[key]] = value
for variable, value in found.items():
    if value:
        print(f"export {variable}={shlex.quote(value)}")
