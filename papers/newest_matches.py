"""A broad search's newest matches, found by walking the month index when that reads fewer rows (PostgreSQL).

ListPaginator ranks only the newest ``count_cap + 1`` matches of a search past its count cap. There are two ways
to find them: fetch every match through the GIN index and sort them by month (a row read per match), or walk the
papers newest first and stop at the last one needed (a row read per paper walked: ``limit / density``). The
planner chooses by its estimate of how many papers match, which for a phrase ("chain of thought", and hyphenated
words, which PostgreSQL searches as phrases) is the product of its words' frequencies: 7,000 estimated against
85,628 real at a million papers, so it fetched and sorted all 85,628 (0.7–1.3 s) where a walk reads about 12,000.

Here the estimate is made as the planner would if it knew a phrase's words come together: each term's rarest
word's frequency (from the column's statistics, pg_stats), multiplied over the terms. When walking reads fewer
rows than fetching every match, the walk is forced by matching with ``ts_match_vq()``, which no index serves; the
choice is made inside the one statement (a gate the database evaluates once), so a page's query count stays
the same. A word the statistics do not list is rarer than every word they do, and keeps the GIN index.
"""

from dataclasses import dataclass

from django.contrib.postgres.search import SearchVectorExact
from django.db import connection
from django.db.models import BooleanField
from django.db.models.expressions import RawSQL
from django.db.models.sql.where import WhereNode

from .search import SEARCH_CONFIG

# True when walking the papers newest first reads fewer rows than fetching every match: limit / (d * share) <
# d * papers, where d is the estimated share of papers matching and ``share`` the list's share of the papers: 1 for
# the corpus, a review's from the statistics of reviews_reviewpaper.review_id (0, so no walk, for a review too
# small to be listed there). Parameters: the wanted terms, the text search configuration, the review's
# id (None for the corpus) twice, the limit.
WALK_IS_CHEAPER_SQL = """
(WITH frequent AS (
    SELECT lexeme, frequency FROM pg_stats, unnest(most_common_elems::text::text[], most_common_elem_freqs)
        AS element(lexeme, frequency)
    WHERE schemaname = current_schema() AND tablename = 'papers_paper' AND attname = 'search_document'
), per_term AS (
    SELECT min(coalesce(frequent.frequency, 0)) AS frequency
    FROM unnest(%s::text[]) WITH ORDINALITY AS term(text, position)
    CROSS JOIN LATERAL unnest(tsvector_to_array(to_tsvector(%s::regconfig, term.text))) AS word(lexeme)
    LEFT JOIN frequent USING (lexeme)
    GROUP BY term.position
), corpus AS (
    SELECT reltuples AS papers FROM pg_class WHERE oid = 'papers_paper'::regclass
), listed AS (
    SELECT CASE WHEN %s::bigint IS NULL THEN (SELECT papers FROM corpus) ELSE coalesce((
        SELECT value.frequency FROM pg_stats, unnest(most_common_vals::text::text[], most_common_freqs)
            AS value(review_id, frequency)
        WHERE schemaname = current_schema() AND tablename = 'reviews_reviewpaper' AND attname = 'review_id'
            AND value.review_id = %s::text
    ), 0) * (SELECT reltuples FROM pg_class WHERE oid = 'reviews_reviewpaper'::regclass) END AS papers
)
SELECT coalesce(exp(sum(ln(greatest(frequency, 1e-9)))), 0) ^ 2
    * least((SELECT papers FROM listed), (SELECT papers FROM corpus)) > %s
FROM per_term)
"""


class UnindexedSearchMatch(SearchVectorExact):
    """``search_document @@ query`` written as a function call, which the GIN index cannot serve."""

    def as_sql(self, qn, connection):
        lhs, lhs_params = self.process_lhs(qn, connection)
        rhs, rhs_params = self.process_rhs(qn, connection)
        return f"ts_match_vq({lhs}, {rhs})", lhs_params + rhs_params


def _unindexed(node: WhereNode) -> WhereNode:
    node = node.clone()
    for index, child in enumerate(node.children):
        if isinstance(child, WhereNode):
            node.children[index] = _unindexed(child)
        elif isinstance(child, SearchVectorExact):
            node.children[index] = UnindexedSearchMatch(child.lhs, child.rhs)
    return node


@dataclass(frozen=True)
class WalkableSearch:
    """A search that is its list's only filter: its wanted terms, and the review whose papers the list holds (None
    for the corpus)."""

    terms: list[str]
    review_id: int | None = None


def newest_matches(queryset, ordering: list, limit: int, walkable: WalkableSearch | None):
    """The pks of the first ``limit`` rows of ``queryset`` (a search) in ``ordering``, newest first; read by a
    walk in that order when ``walkable`` and the estimate says it is cheaper (module docstring), else through the
    GIN index."""
    ordered = queryset.order_by(*ordering).values("pk")
    if connection.vendor != "postgresql" or walkable is None or not walkable.terms:
        return ordered[:limit]
    walked = ordered.all()
    walked.query.where = _unindexed(walked.query.where)
    params = [walkable.terms, SEARCH_CONFIG, walkable.review_id, walkable.review_id, limit]
    # Constant SQL; the terms are parameters.
    walk_is_cheaper = RawSQL(WALK_IS_CHEAPER_SQL, params, output_field=BooleanField())  # noqa: S611
    indexed_is_cheaper = RawSQL(f"NOT {WALK_IS_CHEAPER_SQL}", params, output_field=BooleanField())  # noqa: S611
    return walked.filter(walk_is_cheaper)[:limit].union(ordered.filter(indexed_is_cheaper)[:limit], all=True)
