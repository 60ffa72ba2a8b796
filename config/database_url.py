"""The default database's connection as a DATABASE_URL, for processes started from this one (a load test's
gunicorn, a test's worker or killed import, pg_dump in the backup test) to reach the same database."""

from django.db import connection


def database_url(name: str | None = None) -> str:
    """``postgres://user[:password]@host:port/name``, naming ``name`` instead of the connection's own database."""
    database = connection.settings_dict
    server = f"{database['HOST'] or '127.0.0.1'}:{database['PORT'] or 5432}"
    password = f":{database['PASSWORD']}" if database["PASSWORD"] else ""
    return f"postgres://{database['USER']}{password}@{server}/{name or database['NAME']}"
