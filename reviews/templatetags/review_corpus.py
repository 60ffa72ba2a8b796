"""The corpus list's bridge into reviews: its "add these papers to a review" form (papers knows no reviews)."""

from django import template

from ..models import Review
from ..views.team import corpus_filters

register = template.Library()


@register.inclusion_tag("reviews/_add_papers_form.html", takes_context=True)
def add_papers_form(context, page):
    """The form that adds the list's whole filtered set (not only this page) to one of the user's own reviews."""
    request = context["request"]
    reviews = list(Review.objects.owned_by(request.user).order_by("title").only("pk", "title"))
    return {
        "reviews": reviews,
        "filters": list(corpus_filters(request.GET).lists()),
        "paginator": page.paginator,
        "csrf_token": context.get("csrf_token"),
    }
