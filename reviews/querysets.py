from django.db import IntegrityError, models, transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, Prefetch, Subquery, Value
from django.db.models.functions import Coalesce

from papers.querysets import search_queryset


def count_of(queryset, **outer_refs):
    """How many rows of ``queryset`` match ``outer_refs`` (``review=OuterRef("pk")``), as a subquery.

    Unlike Count() over two joins, it never multiplies rows; a row with nothing to count gets 0.
    """
    counted = queryset.filter(**outer_refs).order_by().values(*outer_refs).annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


class ReviewQuerySet(models.QuerySet):
    def for_member(self, user):
        """Reviews ``user`` belongs to, in any role."""
        if not user.is_authenticated:
            return self.none()
        return self.filter(memberships__user=user)

    def with_progress(self, user):
        """Annotate ``paper_total``, ``screened_by_me`` (papers I decided) and ``screened_by_team`` (any decision)."""
        from .models import ReviewPaper, ScreeningDecision

        this_review = {"review": OuterRef("pk")}
        return self.annotate(
            paper_total=count_of(ReviewPaper.objects, **this_review),
            screened_by_team=count_of(ReviewPaper.objects.exclude(team_status="undecided"), **this_review),
            screened_by_me=count_of(ScreeningDecision.objects.filter(user=user), **this_review),
        )


class MembershipQuerySet(models.QuerySet):
    def would_leave_no_owner(self, memberships) -> bool:
        """Whether demoting or removing all of ``memberships`` would leave one of their reviews without an owner.

        Call it inside the transaction that makes the change: it locks the reviews' owner memberships until
        the transaction ends, so two owners demoting each other at once cannot both succeed.
        """
        from .models import Role

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


class TagQuerySet(models.QuerySet):
    def named(self, review, name: str):
        """The review's tag called ``name``, ignoring case and spacing (at most one: names are unique so)."""
        from .models import normalise_tag_name

        return self.filter(review=review, normalised_name=normalise_tag_name(name))

    def get_or_create_named(self, review, name: str, user=None, **defaults):
        """The review's tag called ``name`` (ignoring case and spacing), created if there is none; (tag, created).

        A new tag takes the next colour in turn unless ``defaults`` gives one. When a concurrent request creates
        the same name first, its tag is returned.
        """
        from .models import TAG_COLOURS

        if tag := self.named(review, name).first():
            return tag, False
        if "colour" not in defaults:
            defaults["colour"] = TAG_COLOURS[self.filter(review=review).count() % len(TAG_COLOURS)]
        try:
            with transaction.atomic():
                return self.create(review=review, name=name, created_by=user, **defaults), True
        except IntegrityError:
            return self.named(review, name).get(), False


class ReviewPaperQuerySet(models.QuerySet):
    def search(self, text: str):
        return search_queryset(self, text, paper_path="paper__")

    def with_my_annotations(self, user):
        """Annotate ``my_decision`` and ``my_score`` for ``user`` (one subquery each, no extra queries)."""
        from .models import Score, ScreeningDecision

        mine = {"review": OuterRef("review"), "paper": OuterRef("paper"), "user": user}
        return self.annotate(
            my_decision=Subquery(ScreeningDecision.objects.filter(**mine).values("decision")[:1]),
            my_reason_id=Subquery(ScreeningDecision.objects.filter(**mine).values("reason")[:1]),
            my_score=Subquery(Score.objects.filter(**mine).values("value")[:1]),
        )

    def for_panels(self, review, user):
        """A review's papers with all an annotation panel shows, in a fixed number of queries."""
        from .models import PaperTag

        applied = (
            PaperTag.objects.filter(review=review).select_related("tag", "applied_by").order_by("tag__normalised_name")
        )
        return (
            self.filter(review=review)
            .select_related("paper", "review")
            .defer("paper__search_document")
            .with_my_annotations(user)
            .prefetch_related(Prefetch("paper__paper_tags", queryset=applied, to_attr="review_tags"))
            .order_by("-paper__submitted_month", "-paper__arxiv_id")
        )

    def tagged_with_any(self, tags):
        from .models import PaperTag

        return self.filter(annotated(PaperTag, tag__in=tags))

    def tagged_with_all(self, tags):
        from .models import PaperTag

        queryset = self
        for tag in tags:
            queryset = queryset.filter(annotated(PaperTag, tag=tag))
        return queryset

    def tagged_with_none(self, tags):
        from .models import PaperTag

        return self.exclude(annotated(PaperTag, tag__in=tags))

    def decided_by(self, user, decision: str):
        """Papers ``user`` gave ``decision``."""
        from .models import ScreeningDecision

        return self.filter(annotated(ScreeningDecision, user=user, decision=decision))

    def scored_by(self, user, **value_lookups):
        """Papers ``user`` scored, with the score matching ``value_lookups`` (``value__gte=4``)."""
        from .models import Score

        return self.filter(annotated(Score, user=user, **value_lookups))

    def not_screened_by(self, user):
        from .models import ScreeningDecision

        return self.exclude(annotated(ScreeningDecision, user=user))


def annotated(model, **lookups):
    """Whether the row's paper has an annotation of ``model`` in its review matching ``lookups`` (an EXISTS)."""
    return Exists(model.objects.filter(review=OuterRef("review"), paper=OuterRef("paper"), **lookups))


class CommentQuerySet(models.QuerySet):
    def visible(self):
        return self.filter(hidden=False)

    def thread(self, review, paper):
        return self.visible().filter(review=review, paper=paper).select_related("author").order_by("created_at", "id")
