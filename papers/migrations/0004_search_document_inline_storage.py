from django.db import migrations


def keep_search_document_inline(apps, schema_editor):
    # ts_rank and @@ read the tsvector of every match; stored out of line (TOAST) each read costs two
    # extra page fetches, which doubled search time at 100k papers. MAIN keeps it in the row, compressed.
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE papers_paper ALTER COLUMN search_document SET STORAGE MAIN")


def store_search_document_out_of_line(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE papers_paper ALTER COLUMN search_document SET STORAGE EXTENDED")


class Migration(migrations.Migration):
    dependencies = [("papers", "0003_paper_list_covering_index")]

    operations = [migrations.RunPython(keep_search_document_inline, store_search_document_out_of_line)]
