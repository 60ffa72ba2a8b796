"""Whether a paper without similar papers is about to get them: a refresh waits in the queue or runs."""

from django import template

from papers.tasks import similar_refresh_pending

register = template.Library()


@register.simple_tag
def similar_refresh_under_way() -> bool:
    """One query on the task queue, made only where a page has no list to show."""
    return similar_refresh_pending()
