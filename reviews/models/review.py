"""A review project and the people in it."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, F, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .annotations import ScreeningDecision
from .review_paper import ReviewPaper
from .summaries import SCREENED_STATUSES

LAST_OWNER_MESSAGE = "A review needs at least one owner: make someone else an owner first."


def count_of(queryset, **outer_refs):
    """How many rows of ``queryset`` match ``outer_refs`` (``review=OuterRef("pk")``), as a subquery.

    Unlike Count() over two joins, it never multiplies rows; a row with nothing to count gets 0.
    """
    counted = queryset.filter(**outer_refs).order_by().values(*outer_refs).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    REVIEWER = "reviewer", "Reviewer"
    RESOLVER = "resolver", "Resolver"
    OBSERVER = "observer", "Observer"


class ConflictRule(models.TextChoices):
    STRICT = "strict", "Strict: include, maybe and exclude must all agree"
    MAYBE_INCLUDES = "maybe_includes", "Maybe goes with include"


MAX_REQUIRED_SCREENERS = 3
MAX_PRIORITY_MINIMUM = 1000


class ReviewQuerySet(models.QuerySet):
    def for_member(self, user):
        """Reviews ``user`` belongs to, in any role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def owned_by(self, user):
        """Reviews ``user`` is an owner of."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user, memberships__role=Role.OWNER)

    def with_progress(self, user):
        """Annotate ``paper_total``, ``screened_by_me`` (papers I decided) and ``screened_by_team`` (papers with all
        the decisions the review requires)."""
        this_review = {"review": OuterRef("pk")}
        return self.annotate(
            paper_total=count_of(ReviewPaper.objects, **this_review),
            screened_by_team=count_of(ReviewPaper.objects.filter(team_status__in=SCREENED_STATUSES), **this_review),
            screened_by_me=count_of(ScreeningDecision.objects.filter(user=user), **this_review),
        )

    def create_with_owner(self, owner, **fields) -> "Review":
        """A new review whose slug comes from its title (``-2``, ``-3``… when taken), owned by ``owner``."""
        base = slugify(fields.get("title", ""))[:SLUG_BASE_LENGTH].strip("-") or "review"
        taken = set(self.filter(slug__regex=rf"^{base}(-[0-9]+)?$").values_list("slug", flat=True))
        number = 1
        while True:
            slug = base if number == 1 else f"{base}-{number}"
            number += 1
            if slug in taken:
                continue
            try:
                with transaction.atomic():
                    review = self.create(slug=slug, **fields)
                    Membership.objects.create(review=review, user=owner, role=Role.OWNER)
                    return review
            except IntegrityError:
                if not self.filter(slug=slug).exists():
                    raise
                # Someone took this slug a moment ago: try the next.
                taken.add(slug)


# Leaves room in the slug field for a numeric suffix.
SLUG_BASE_LENGTH = 70


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
    # One keyword or phrase a line; highlighted in titles and abstracts (reviews/keywords.py).
    inclusion_keywords = models.TextField(blank=True)
    exclusion_keywords = models.TextField(blank=True)
    blind = models.BooleanField(
        default=True,
        help_text="Reviewers see no one else's decisions, scores or tags on a paper until they have decided on it. "
        "Owners and resolvers always see everything.",
    )
    hide_comments_while_blind = models.BooleanField(
        default=False,
        help_text="In a blind review, reviewers and observers also see only their own comments on a paper until "
        "they have decided on it.",
    )
    required_screeners = models.PositiveSmallIntegerField(
        default=2,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_REQUIRED_SCREENERS)],
        help_text="How many independent decisions each paper needs before it counts as screened.",
    )
    conflict_rule = models.CharField(max_length=20, choices=ConflictRule.choices, default=ConflictRule.STRICT)
    screen_by_priority = models.BooleanField(
        default=True,
        help_text="Screening mode serves the paper the model ranks most likely relevant first (once it can rank); "
        "otherwise the newest first.",
    )
    priority_min_includes = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRIORITY_MINIMUM)],
        help_text="Includes the priority order needs before it ranks papers.",
    )
    priority_min_excludes = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PRIORITY_MINIMUM)],
        help_text="Excludes the priority order needs before it ranks papers.",
    )
    papers = models.ManyToManyField("papers.Paper", through=ReviewPaper, related_name="reviews", blank=True)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, through="Membership", related_name="reviews")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ReviewQuerySet.as_manager()

    class Meta:
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(required_screeners__gte=1, required_screeners__lte=MAX_REQUIRED_SCREENERS),
                name="required_screeners_from_1_to_3",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("reviews:paper_list", args=[self.slug])

    def add_papers(self, papers) -> int:
        """Put papers (a queryset or ids) into the review; those already in it are left alone.

        Returns how many were added. A queryset is copied by one INSERT … SELECT in the database, so
        adding a whole corpus never loads it into Python. New papers are ranked by the next retraining of the
        review's priority orders, which is queued here.
        """
        from ..priority import retrain_soon

        before = self.review_papers.count()
        if isinstance(papers, models.QuerySet):
            self._insert_review_papers(papers.order_by().values(selected_paper=F("pk")))
        else:
            rows = [ReviewPaper(review=self, paper_id=paper_id) for paper_id in papers]
            ReviewPaper.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
        added = self.review_papers.count() - before
        if added:
            retrain_soon(self.pk, everyone=True)
        return added

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


class MembershipQuerySet(models.QuerySet):
    def would_leave_no_owner(self, memberships) -> bool:
        """Whether demoting or removing all of ``memberships`` would leave one of their reviews without an owner.

        Call it inside the transaction that makes the change: it locks the reviews' owner memberships until
        the transaction ends, so two owners demoting each other at once cannot both succeed.
        """
        memberships = list(memberships)
        leaving = {membership.pk for membership in memberships}
        owners_by_review: dict[int, set[int]] = {}
        owners = (
            self.select_for_update()
            .filter(review_id__in={membership.review_id for membership in memberships}, role=Role.OWNER)
            .order_by("pk")
            .values_list("review_id", "pk")
        )
        for review_id, pk in owners:
            owners_by_review.setdefault(review_id, set()).add(pk)
        return any(owner_pks <= leaving for owner_pks in owners_by_review.values())


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
    def role_phrase(self) -> str:
        """The role with its article, for "You are an observer"."""
        role = self.get_role_display().lower()
        return f"{'an' if role[:1] in 'aeiou' else 'a'} {role}"

    @property
    def can_annotate(self) -> bool:
        """Tags and comments: everyone but observers."""
        return self.role in {Role.OWNER, Role.REVIEWER, Role.RESOLVER}

    @property
    def can_screen(self) -> bool:
        """Decisions and scores. A resolver sees every vote, so their own would not be independent."""
        return self.role in {Role.OWNER, Role.REVIEWER}

    @property
    def can_resolve(self) -> bool:
        return self.role in {Role.OWNER, Role.RESOLVER}

    @property
    def sees_everything(self) -> bool:
        """Whether blind mode hides nothing from this member (it hides a paper's team data until they decide)."""
        return not self.review.blind or self.role in {Role.OWNER, Role.RESOLVER}

    @property
    def hides_others_comments(self) -> bool:
        """Whether, on a paper they have not decided on, this member sees only their own comments."""
        return not self.sees_everything and self.review.hide_comments_while_blind

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER
