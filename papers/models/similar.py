from django.db import models

# The fields of a similar paper its row reads (Paper.key, short_id, display_id, date_label, title).
LISTED_FIELDS = ("arxiv_id", "version", "title", "doi", "pmid", "year", "month", "submitted_month")


class SimilarPaperQuerySet(models.QuerySet):
    def of(self, paper_id: int):
        """A paper's stored neighbours, best first, each with its paper (one query)."""
        return (
            self.filter(paper_id=paper_id)
            .select_related("similar")
            # What a row shows: the title, the id and date, the link; not the abstract.
            .only("paper_id", "score", "rank", *(f"similar__{name}" for name in LISTED_FIELDS))
            .order_by("rank")
        )


class SimilarPaper(models.Model):
    """One of a paper's nearest neighbours by TF-IDF cosine similarity over title and abstract, precomputed by
    ``manage.py compute_similar`` (papers/similarity.py) so a paper's page reads its list with one indexed query.

    A row per pair rather than a JSON list per paper: the page joins the neighbours to their papers and to the
    review's rows in one query, deleting a paper takes it out of every list (CASCADE), and an incremental run
    replaces one paper's rows without reading anyone else's.
    """

    # The unique (paper, rank) index serves lookups by paper; the one on similar serves CASCADE deletes.
    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="similar_rows", db_index=False)
    similar = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(help_text="Cosine similarity of the two papers' TF-IDF vectors, 0 to 1.")
    rank = models.PositiveSmallIntegerField(help_text="1 for the most similar.")

    objects = SimilarPaperQuerySet.as_manager()

    class Meta:
        ordering = ["paper", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["paper", "rank"], name="similar_paper_rank_unique"),
            models.CheckConstraint(condition=~models.Q(paper=models.F("similar")), name="similar_paper_not_itself"),
        ]

    def __str__(self):
        return f"{self.paper_id} ~ {self.similar_id} ({self.score:.3f})"


class StaleSimilarList(models.Model):
    """A paper whose stored similar list was computed before an import changed it. The next refresh
    (papers/similarity.py ``refresh``) computes the paper's list again and deletes the mark; a new paper needs no
    mark, as having no list at all says the same."""

    paper = models.ForeignKey("papers.Paper", on_delete=models.CASCADE, related_name="+")
    marked_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"{self.paper_id} (marked {self.marked_at:%Y-%m-%d %H:%M})"
