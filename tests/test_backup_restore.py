"""deploy/backup.sh and deploy/restore.sh: a dump of a review with its annotations comes back whole."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from config.database_url import database_url
from reviews import annotating
from reviews.models import DecisionChoice, Membership, Role
from tests.factories import make_paper, make_review, make_user

postgresql_only = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql",
    reason="pg_dump and pg_restore work on PostgreSQL only",
)

DEPLOY = Path(django_settings.BASE_DIR) / "deploy"
SUPERUSER = ["psql", "--no-psqlrc", "-h", "127.0.0.1", "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1"]


def run(command, **env) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603
        command, env={**os.environ, **env}, capture_output=True, text=True, timeout=300, check=False
    )


def row_counts(url: str) -> dict[str, int]:
    """Every table of the public schema with its number of rows, counted exactly."""
    query = (
        "SELECT table_name, (xpath('/row/n/text()', query_to_xml("
        "format('SELECT count(*) AS n FROM %I', table_name), false, true, '')))[1]::text::bigint "
        "FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
    )
    found = run(["psql", "--no-psqlrc", "-At", "-F", "\t", "-d", url, "-c", query])
    assert found.returncode == 0, found.stderr
    return {name: int(count) for name, count in (line.split("\t") for line in found.stdout.splitlines())}


def indexes_and_triggers(url: str) -> set[str]:
    """The names of the public schema's indexes and (non-internal) triggers: the search index and its trigger."""
    query = (
        "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' UNION ALL "
        "SELECT tgname FROM pg_trigger JOIN pg_class ON pg_class.oid = tgrelid "
        "WHERE relnamespace = 'public'::regnamespace AND NOT tgisinternal"
    )
    found = run(["psql", "--no-psqlrc", "-At", "-d", url, "-c", query])
    assert found.returncode == 0, found.stderr
    return set(found.stdout.split())


@pytest.fixture
def empty_database():
    """A fresh database owned by the test's role, dropped afterwards."""
    name = f"{connection.settings_dict['NAME']}_restored"
    owner = connection.settings_dict["USER"]
    drop = f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    for statement in (drop, f'CREATE DATABASE "{name}" OWNER "{owner}"'):
        created = run([*SUPERUSER, "-c", statement])
        assert created.returncode == 0, created.stderr
    yield database_url(name)
    run([*SUPERUSER, "-c", drop])


@pytest.fixture
def screened_review(transactional_db):
    """A review with papers, decisions, scores and comments, committed so pg_dump sees it."""
    alice, bob = make_user("alice"), make_user("bob")
    papers = [make_paper(title=f"Paper {n}") for n in range(12)]
    review = make_review(papers=papers, members={alice: Role.OWNER, bob: Role.REVIEWER})
    verdicts = [DecisionChoice.INCLUDE, DecisionChoice.EXCLUDE, DecisionChoice.MAYBE]
    for user in (alice, bob):
        membership = Membership.objects.get(review=review, user=user)
        for n, paper in enumerate(papers[:9]):
            annotating.decide(membership, paper.pk, verdicts[(n + user.pk) % 3])
            annotating.set_score(membership, paper.pk, 1 + n % 5)
        annotating.add_comment(membership, papers[0].pk, f"{user.username} read it twice.")
    return review


@postgresql_only
def test_a_backup_restored_into_an_empty_database_has_every_row_and_true_summaries(
    screened_review, empty_database, tmp_path
):
    source = database_url(connection.settings_dict["NAME"])
    backups = tmp_path / "backups"

    backed_up = run([str(DEPLOY / "backup.sh"), str(backups)], DATABASE_URL=source)
    assert backed_up.returncode == 0, backed_up.stderr
    dump = Path(backed_up.stdout.strip())
    assert dump.parent == backups
    assert dump.name.startswith("marginalia-")
    assert dump.suffix == ".dump"

    restored = run(
        [str(DEPLOY / "restore.sh"), str(dump)], DATABASE_URL=empty_database, MARGINALIA_PYTHON=sys.executable
    )
    assert restored.returncode == 0, restored.stdout + restored.stderr
    assert "Every summary agrees with its annotations." in restored.stdout

    before, after = row_counts(source), row_counts(empty_database)
    assert after == before
    assert after["reviews_screeningdecision"] == 18
    assert after["reviews_score"] == 18
    assert after["reviews_comment"] == 2
    assert after["papers_paper"] == 12
    assert indexes_and_triggers(empty_database) == indexes_and_triggers(source)
    assert {"paper_search_document_gin", "papers_paper_search_document"} <= indexes_and_triggers(empty_database)


@postgresql_only
def test_restore_fails_when_the_restored_summaries_disagree_with_their_annotations(
    screened_review, empty_database, tmp_path
):
    from reviews.models import ReviewPaper

    ReviewPaper.objects.filter(review=screened_review).update(comment_count=7)
    source = database_url(connection.settings_dict["NAME"])
    dump = Path(run([str(DEPLOY / "backup.sh"), str(tmp_path)], DATABASE_URL=source).stdout.strip())

    restored = run(
        [str(DEPLOY / "restore.sh"), str(dump)], DATABASE_URL=empty_database, MARGINALIA_PYTHON=sys.executable
    )

    assert restored.returncode != 0
    assert "12 rows differ" in restored.stderr
    assert "restored" not in restored.stdout.splitlines()[-1]


@postgresql_only
def test_restore_refuses_a_database_that_holds_tables(screened_review, tmp_path):
    source = database_url(connection.settings_dict["NAME"])
    dump = Path(run([str(DEPLOY / "backup.sh"), str(tmp_path)], DATABASE_URL=source).stdout.strip())

    refused = run([str(DEPLOY / "restore.sh"), str(dump)], DATABASE_URL=source, MARGINALIA_PYTHON=sys.executable)

    assert refused.returncode == 1
    assert "restore into an empty one" in refused.stderr
    assert row_counts(source)["reviews_screeningdecision"] == 18


@postgresql_only
def test_backup_keeps_the_newest_dumps_only(transactional_db, tmp_path):
    source = database_url(connection.settings_dict["NAME"])
    for stamp in ("20250101T000000Z", "20250102T000000Z", "20250103T000000Z"):
        (tmp_path / f"marginalia-{stamp}.dump").write_bytes(b"old")
    (tmp_path / "notes.txt").write_text("not a dump")

    made = run([str(DEPLOY / "backup.sh"), str(tmp_path)], DATABASE_URL=source, MARGINALIA_BACKUP_KEEP="2")

    assert made.returncode == 0, made.stderr
    kept = sorted(path.name for path in tmp_path.iterdir())
    assert kept == ["marginalia-20250103T000000Z.dump", Path(made.stdout.strip()).name, "notes.txt"]


@postgresql_only
@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": ""}, "set DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "not a PostgreSQL URL"),
        ({"DATABASE_URL": "postgres://marginalia@127.0.0.1:port/marginalia"}, "port is not a number"),
        ({"DATABASE_URL": "postgres://marginalia@127.0.0.1:5432/"}, "names no database"),
        ({"MARGINALIA_BACKUP_KEEP": "0"}, "not a whole number of at least 1"),
        ({"MARGINALIA_BACKUP_KEEP": "many"}, "not a whole number of at least 1"),
    ],
)
def test_backup_refuses_bad_settings_without_touching_the_directory(db, tmp_path, env, message):
    settings = {"DATABASE_URL": database_url(connection.settings_dict["NAME"]), **env}

    refused = run([str(DEPLOY / "backup.sh"), str(tmp_path / "backups")], **settings)

    assert refused.returncode == 2
    assert message in refused.stderr
    assert not (tmp_path / "backups").exists()


@postgresql_only
def test_a_dump_cut_short_leaves_no_file_behind(db, tmp_path):
    unreachable = "postgres://nobody@127.0.0.1:1/none"

    failed = run([str(DEPLOY / "backup.sh"), str(tmp_path)], DATABASE_URL=unreachable)

    assert failed.returncode != 0
    assert list(tmp_path.iterdir()) == []


def test_the_database_url_reaches_the_postgresql_tools_as_their_environment_variables():
    url = "postgres://marginalia:p%40ss%20w'rd@db.example.org:6543/marginalia?sslmode=require&conn_max_age=60"

    found = run([sys.executable, str(DEPLOY / "pg_environment.py")], DATABASE_URL=url)
    exported = run(["env", "-i", "bash", "-c", f"{found.stdout}\nenv"])

    assert found.returncode == 0, found.stderr
    variables = dict(line.split("=", 1) for line in exported.stdout.splitlines() if line.startswith("PG"))
    assert variables == {
        "PGHOST": "db.example.org",
        "PGPORT": "6543",
        "PGUSER": "marginalia",
        "PGPASSWORD": "p@ss w'rd",
        "PGDATABASE": "marginalia",
        "PGSSLMODE": "require",
    }
