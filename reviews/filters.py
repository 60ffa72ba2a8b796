import django_filters
from django import forms
from django.db.models import F

from papers.filters import CorpusFilterSet
from papers.models import Paper
from papers.search import uses_full_text_search

from .models import DecisionChoice, ReviewPaper, TeamStatus

SCORE_CHOICES = [(str(n), str(n)) for n in range(1, 6)]


class ReviewPaperFilter(CorpusFilterSet):
    """The corpus filters plus everything the team has added: tags, decisions, scores, comments."""

    paper_path = "paper__"

    # Checkboxes (the list template writes them out as chips), not a ctrl-click multi-select.
    tags = django_filters.MultipleChoiceFilter(method="filter_tags", label="Tags", widget=forms.CheckboxSelectMultiple)
    tag_match = django_filters.ChoiceFilter(
        method="filter_nothing",
        label="Tag match",
        choices=[("any", "Any of"), ("all", "All of"), ("none", "None of")],
        empty_label=None,
        widget=forms.RadioSelect,
    )
    status = django_filters.ChoiceFilter(
        field_name="team_status", choices=TeamStatus.choices, label="Team status", empty_label="Any status"
    )
    my_decision = django_filters.ChoiceFilter(
        method="filter_my_decision", choices=DecisionChoice.choices, label="My decision", empty_label="Any decision"
    )
    unscreened = django_filters.BooleanFilter(
        method="filter_unscreened", label="Not yet screened by me", widget=forms.CheckboxInput
    )
    my_score_min = django_filters.ChoiceFilter(
        method="filter_my_score_min",
        choices=SCORE_CHOICES,
        label="My score from",
        empty_label="–",
    )
    my_score_max = django_filters.ChoiceFilter(
        method="filter_my_score_max",
        choices=SCORE_CHOICES,
        label="My score to",
        empty_label="–",
    )
    mean_min = django_filters.NumberFilter(
        field_name="score_mean",
        lookup_expr="gte",
        label="Mean score from",
        min_value=1,
        max_value=5,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": 1, "max": 5}),
    )
    mean_max = django_filters.NumberFilter(
        field_name="score_mean",
        lookup_expr="lte",
        label="Mean score to",
        min_value=1,
        max_value=5,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": 1, "max": 5}),
    )
    final = django_filters.ChoiceFilter(
        method="filter_final",
        label="Final decision",
        choices=[("include", "Include"), ("exclude", "Exclude"), ("none", "None yet")],
        empty_label="Any",
    )
    has_comments = django_filters.BooleanFilter(
        method="filter_has_comments",
        label="Comments",
        widget=forms.Select(choices=[("", "Any"), ("true", "Has comments"), ("false", "No comments")]),
    )
    sort = django_filters.ChoiceFilter(
        method="filter_sort",
        label="Sort by",
        choices=[
            ("newest", "Newest first"),
            ("oldest", "Oldest first"),
            ("priority", "Most likely relevant"),
            ("mean_score", "Mean score"),
            ("discussed", "Most discussed"),
            ("relevance", "Relevance to search"),
        ],
        empty_label="Default",
    )

    class Meta:
        model = ReviewPaper
        fields = []

    def __init__(
        self,
        data=None,
        *args,
        review,
        user,
        tags,
        hidden_filters=(),
        hidden_sorts=(),
        blinded=False,
        priority=None,
        **kwargs,
    ):
        """``hidden_filters``/``hidden_sorts``: those blind mode keeps from the user (reviews/blinding.py), neither
        offered nor applied, whatever the query string says; ``blinded``: tag filters see only their own tags;
        ``priority``: a callable giving the member's PriorityOrder (reviews/priority.py), asked only when the list
        is sorted by it, which leaves it in ``priority_order``."""
        self.blinded = blinded
        self.priority, self.priority_order = priority, None
        if hidden_filters or hidden_sorts:
            data = data.copy() if data is not None else None
        if data is not None:
            for name in hidden_filters:
                data.pop(name, None)
            if data.get("sort") in hidden_sorts:
                data.pop("sort")
        super().__init__(data, *args, **kwargs)
        self.review, self.user = review, user
        self.filters["tags"].extra["choices"] = [(str(tag.pk), tag.name) for tag in tags]
        for name in hidden_filters:
            del self.filters[name]
        sort = self.filters["sort"]
        sort.extra["choices"] = [choice for choice in sort.extra["choices"] if choice[0] not in hidden_sorts]

    # The one row most screening sessions need; the tags and the rest wait behind "More filters".
    PRIMARY_FIELDS = ["status", "my_decision", "unscreened", "sort"]
    TAG_FIELDS = ["tags", "tag_match"]

    def primary_fields(self):
        return [self.form[name] for name in self.PRIMARY_FIELDS if name in self.filters]

    def more_fields(self):
        skip = {"q", *self.PRIMARY_FIELDS, *self.TAG_FIELDS}
        return [field for field in self.form if field.name not in skip]

    def filters_in_use(self) -> int:
        """How many filters besides the search and the sort narrow the list (the tag match alone narrows nothing)."""
        names = [field.name for field in self.primary_fields() if field.name != "sort"]
        names += ["tags", *(field.name for field in self.more_fields())]
        return sum(1 for name in names if self.data.get(name))

    def more_filters_in_use(self) -> bool:
        return any(self.data.get(field.name) for field in self.more_fields()) or bool(self.data.get("tags"))

    def shortlist(self):
        """What ListPaginator may read a page from before the whole list: the ranked papers when the list is sorted
        by priority (reviews/priority.py), else a search's best matches (below), else nothing."""
        if self.priority_order is not None and self.priority_order.ready:
            ranked = self.priority_order.ranked_first(self.qs)
            return lambda limit: ranked
        return self.relevance_shortlist()

    def relevance_shortlist(self):
        """For a plain relevance-ranked search, the list limited to the corpus's best matches (ListPaginator).

        Ranking every match and joining each to the review is most of a broad search's time; ranking the
        corpus alone is quicker, and a review that holds much of the corpus finds its page among the first
        few hundred. Other filters or sorts make the shortlist miss too often to be worth trying.
        """
        if not uses_full_text_search() or not self.search_text:
            return None
        active = {name for name, value in self.form.cleaned_data.items() if value not in (None, "", [], False)}
        if active - {"q", "sort", "tag_match"} or self.form.cleaned_data.get("sort") not in ("", None, "relevance"):
            return None
        best_matches = Paper.objects.search(self.search_text).values("pk")
        return lambda limit: self.qs.filter(paper__in=best_matches[:limit])

    def filter_nothing(self, queryset, name, value):
        return queryset

    def filter_tags(self, queryset, name, value):
        if not value:
            return queryset
        tag_ids = [int(tag_id) for tag_id in value]
        match = self.form.cleaned_data.get("tag_match") or "any"
        visible_to = self.user if self.blinded else None
        if match == "all":
            return queryset.tagged_with_all(tag_ids, visible_to=visible_to, review=self.review)
        if match == "none":
            return queryset.tagged_with_none(tag_ids, visible_to=visible_to, review=self.review)
        return queryset.tagged_with_any(tag_ids, visible_to=visible_to, review=self.review)

    def filter_final(self, queryset, name, value):
        return queryset.filter(final_decision="" if value == "none" else value)

    # The user's own annotations are filtered with EXISTS on their indexed rows: filtering on the
    # my_decision/my_score annotations would run a subquery for every paper in the review.
    def filter_my_decision(self, queryset, name, value):
        return queryset.decided_by(self.user, value)

    def filter_my_score_min(self, queryset, name, value):
        return queryset.scored_by(self.user, value__gte=int(value))

    def filter_my_score_max(self, queryset, name, value):
        return queryset.scored_by(self.user, value__lte=int(value))

    def filter_unscreened(self, queryset, name, value):
        return queryset.not_screened_by(self.user) if value else queryset

    def filter_has_comments(self, queryset, name, value):
        return queryset.filter(comment_count__gt=0) if value else queryset.filter(comment_count=0)

    def filter_sort(self, queryset, name, value):
        if value == "priority" and self.priority is not None:
            self.priority_order = self.priority()
            # Not ready (too few decisions, or the first ranking still training): the default order, and the
            # list says why.
            return self.priority_order.sort(queryset) if self.priority_order.ready else queryset
        newest = ("-paper__submitted_month", "-paper__arxiv_id", "-paper_id")
        orderings = {
            "newest": newest,
            "oldest": ("paper__submitted_month", "paper__arxiv_id", "paper_id"),
            "mean_score": ("-score_mean", "-score_count", *newest),
            "discussed": ("-comment_count", *newest),
        }
        if value == "relevance" or value not in orderings:
            return queryset  # search already ranks best first where the database can rank
        first, *rest = orderings[value]
        if value == "mean_score":
            return queryset.order_by(F("score_mean").desc(nulls_last=True), *rest)
        return queryset.order_by(first, *rest)
