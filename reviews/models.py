from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from papers.models import Paper

from .markdown import render_markdown
from .querysets import CommentQuerySet, MembershipQuerySet, ReviewPaperQuerySet, ReviewQuerySet, TagQuerySet

TAG_NAME_MAX_LENGTH = 49
COMMENT_MAX_LENGTH = 10_000
LAST_OWNER_MESSAGE = "A review needs at least one owner: make someone else an owner first."
TAG_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]


def normalise_tag_name(name: str) -> str:
    """The form under which tag names must be unique: case-folded, inner spaces collapsed."""
    return " ".join(name.split()).casefold()


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    REVIEWER = "reviewer", "Reviewer"
    OBSERVER = "observer", "Observer"


class Review(models.Model):
    """A team's review project over a set of papers."""

    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    research_question = models.TextField(blank=True)
    inclusion_criteria = models.TextField(blank=True)
    exclusion_criteria = models.TextField(blank=True)
    allow_new_tags = models.BooleanField(
        default=True, help_text="Reviewers may create a tag by typing a new name when they apply it."
    )
    papers = models.ManyToManyField(Paper, through="ReviewPaper", related_name="reviews", blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="reviews")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["title"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:paper_list", args=[self.slug])

    def add_papers(self, papers) -> int:
        """Put papers (a queryset or ids) into the review; those already in it are left alone.

        Returns how many were added. A queryset is copied by one INSERT … SELECT in the database, so
        adding a whole corpus never loads it into Python.
        """
        before = self.review_papers.count()
        if isinstance(papers, models.QuerySet):
            self._insert_review_papers(papers.order_by().values(selected_paper=F("pk")))
        else:
            rows = [ReviewPaper(review=self, paper_id=paper_id) for paper_id in papers]
            ReviewPaper.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        return self.review_papers.count() - before

    def _insert_review_papers(self, paper_ids) -> None:
        # Every column a new ReviewPaper would get from its Python defaults, written out for the INSERT.
        defaults = ReviewPaper(review=self, added_at=timezone.now())
        columns = ["paper_id"]
        values = []
        for field in ReviewPaper._meta.concrete_fields:
            if field.primary_key or field.name == "paper":
                continue
            columns.append(field.column)
            values.append(getattr(defaults, field.attname))
        select_sql, select_params = paper_ids.query.sql_with_params()
        table = connection.ops.quote_name(ReviewPaper._meta.db_table)
        placeholders = ", ".join(["%s"] * len(values))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in columns)}) "  # noqa: S608
                f"SELECT papers.selected_paper, {placeholders} FROM ({select_sql}) AS papers "
                # SQLite needs a WHERE before an upsert clause, or it reads ON CONFLICT as a join's ON.
                "WHERE true ON CONFLICT (review_id, paper_id) DO NOTHING",
                [*values, *select_params],
            )


class Membership(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.REVIEWER)
    joined_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "user"], name="one_membership_per_user")]
        ordering = ["review", "user__username"]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) in {self.review}"

    @property
    def can_annotate(self) -> bool:
        return self.role in {Role.OWNER, Role.REVIEWER}

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER


class ExclusionReason(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["review", "label"], name="unique_exclusion_reason")]

    def __str__(self):
        return self.label


class TeamStatus(models.TextChoices):
    UNDECIDED = "undecided", "Undecided"
    INCLUDED = "included", "Included"
    EXCLUDED = "excluded", "Excluded"
    MAYBE = "maybe", "Maybe"
    CONFLICT = "conflict", "Conflict"


class ReviewPaper(models.Model):
    """A paper in a review, with the team's annotations summed up so lists can filter and sort on columns.

    The summary columns are derived data: ``refresh_decisions()``, ``refresh_scores()`` and
    ``refresh_comments()`` in reviews/summaries.py recompute them from the annotation rows whenever one
    changes, inside the same transaction and with this row locked. reviews/signals.py does the same when
    a user is deleted and their scores and decisions go with them.
    """

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="review_papers")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="review_papers")
    added_at = models.DateTimeField(auto_now_add=True)
    team_status = models.CharField(max_length=10, choices=TeamStatus.choices, default=TeamStatus.UNDECIDED)
    include_count = models.PositiveIntegerField(default=0)
    maybe_count = models.PositiveIntegerField(default=0)
    exclude_count = models.PositiveIntegerField(default=0)
    score_count = models.PositiveIntegerField(default=0)
    score_mean = models.FloatField(null=True, blank=True)
    score_min = models.PositiveSmallIntegerField(null=True, blank=True)
    score_max = models.PositiveSmallIntegerField(null=True, blank=True)
    comment_count = models.PositiveIntegerField(default=0)

    objects = ReviewPaperQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["review", "paper"], name="paper_once_per_review")]
        indexes = [
            models.Index(fields=["review", "team_status"], name="reviewpaper_status"),
            # PostgreSQL also gets reviewpaper_mean_order (migration 0002) for the nulls-last sort by mean.
            models.Index(fields=["review", "score_mean"], name="reviewpaper_mean"),
            models.Index(fields=["review", "comment_count"], name="reviewpaper_comments"),
        ]

    def __str__(self):
        return f"{self.paper.arxiv_id} in {self.review}"

    def get_absolute_url(self):
        return reverse("reviews:paper", args=[self.review.slug, self.paper.arxiv_id])

    @property
    def score_spread(self) -> int | None:
        if self.score_min is None:
            return None
        return self.score_max - self.score_min


class Tag(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH)
    normalised_name = models.CharField(max_length=TAG_NAME_MAX_LENGTH, editable=False)
    colour = models.CharField(
        max_length=7, default=TAG_COLOURS[0], validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use #rrggbb.")]
    )
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["normalised_name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "normalised_name"], name="tag_name_unique_in_review"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = " ".join(self.name.split())
        self.normalised_name = normalise_tag_name(self.name)
        super().save(*args, **kwargs)


class PaperTag(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="paper_tags")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="paper_tags")
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE, related_name="paper_tags")
    applied_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["tag__normalised_name"]
        constraints = [models.UniqueConstraint(fields=["review", "paper", "tag"], name="tag_once_per_paper")]
        indexes = [models.Index(fields=["tag", "paper"], name="papertag_tag_paper")]

    def __str__(self):
        return f"{self.tag} on {self.paper_id}"


class Score(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="scores")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="scores")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scores")
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(5)])
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper", "user"], name="one_score_per_reviewer"),
            models.CheckConstraint(condition=Q(value__gte=1, value__lte=5), name="score_from_1_to_5"),
        ]
        indexes = [models.Index(fields=["review", "user", "value"], name="score_by_user")]

    def __str__(self):
        return f"{self.user} scored {self.paper_id} {self.value}"


class DecisionChoice(models.TextChoices):
    INCLUDE = "include", "Include"
    MAYBE = "maybe", "Maybe"
    EXCLUDE = "exclude", "Exclude"


class ScreeningDecision(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="decisions")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="decisions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decisions")
    decision = models.CharField(max_length=10, choices=DecisionChoice.choices)
    reason = models.ForeignKey(ExclusionReason, null=True, blank=True, on_delete=models.SET_NULL)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["review", "paper", "user"], name="one_decision_per_reviewer"),
            models.CheckConstraint(condition=Q(decision__in=DecisionChoice.values), name="decision_is_known"),
        ]
        indexes = [models.Index(fields=["review", "user", "decision"], name="decision_by_user")]

    def __str__(self):
        return f"{self.user}: {self.decision} {self.paper_id}"


class Comment(models.Model):
    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="comments")
    paper = models.ForeignKey(Paper, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="comments")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies")
    body = models.TextField(max_length=COMMENT_MAX_LENGTH, help_text="Markdown, as written.")
    body_html = models.TextField(editable=False, help_text="The Markdown rendered and sanitised when saved.")
    quote = models.TextField(blank=True, help_text="The passage of the abstract this comment is about.")
    quote_start = models.PositiveIntegerField(null=True, blank=True)
    quote_end = models.PositiveIntegerField(null=True, blank=True)
    hidden = models.BooleanField(default=False, help_text="Hidden by a curator: kept, but not shown to the team.")
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(
        null=True, blank=True, help_text="Deleted by its author while it had replies: kept as a placeholder."
    )

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["review", "paper", "created_at"], name="comment_thread")]

    def __str__(self):
        return f"Comment by {self.author} on {self.paper_id}"

    def save(self, *args, **kwargs):
        self.body_html = render_markdown(self.body)
        super().save(*args, **kwargs)
