from django.db import migrations


def create_mean_order_index(apps, schema_editor):
    # Sorting by mean score puts unscored papers last, so the index must too; SQLite cannot say
    # NULLS LAST in an index and already sorts NULLs last when descending.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            "CREATE INDEX IF NOT EXISTS reviewpaper_mean_order ON reviews_reviewpaper "
            "(review_id, score_mean DESC NULLS LAST, score_count DESC)"
        )


def drop_mean_order_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS reviewpaper_mean_order")


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(create_mean_order_index, drop_mean_order_index, elidable=False)]
