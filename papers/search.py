"""Full-text search: PostgreSQL's tsvector machinery, with a plain substring fallback elsewhere."""

from django.contrib.postgres.search import SearchVectorField
from django.db.models import F, Func

SEARCH_CONFIG = "english"
# Control characters never found in abstracts mark highlighted spans, so the text can be escaped
# first and the marks turned into <mark> afterwards.
HIGHLIGHT_START = "\x02"
HIGHLIGHT_STOP = "\x03"


class PaperSearchDocument(Func):
    """The weighted tsvector of a paper (title A, abstract B), stored as a generated column.

    On databases without full-text search it compiles to NULL, so the column exists everywhere and
    SQLite searches with LIKE instead.
    """

    output_field = SearchVectorField()

    def __init__(self):
        super().__init__(F("title"), F("abstract"))

    def as_postgresql(self, compiler, connection, **extra_context):
        title, title_params = compiler.compile(self.source_expressions[0])
        abstract, abstract_params = compiler.compile(self.source_expressions[1])
        sql = (
            f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, coalesce({title}, '')), 'A') || "
            f"setweight(to_tsvector('{SEARCH_CONFIG}'::regconfig, coalesce({abstract}, '')), 'B')"
        )
        return sql, (*title_params, *abstract_params)

    def as_sql(self, compiler, connection, **extra_context):
        return "NULL", ()
