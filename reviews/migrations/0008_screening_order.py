from django.db import migrations

# Screening mode's "papers that still need me" (reviews/screening.py) reads the papers short of decisions and the
# member's own decisions as two index-only scans, then anti-joins them by hash. Both indexes are small: the
# first holds only papers still awaiting decisions. Plain SQL, as 0002: Django's model indexes cannot say
# INCLUDE with a partial condition on SQLite alike, and SQLite's small reviews do not need them.
INDEXES = {
    "reviewpaper_short_of_decisions": (
        "ON reviews_reviewpaper (review_id, paper_id) WHERE team_status IN ('undecided', 'awaiting')"
    ),
    "decision_by_user_paper": "ON reviews_screeningdecision (review_id, user_id, paper_id)",
}


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name, definition in INDEXES.items():
            schema_editor.execute(f"CREATE INDEX IF NOT EXISTS {name} {definition}")


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for name in INDEXES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0007_screening_trust_comments")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
