"""The review's dashboard (progress, when to stop, PRISMA flow, distributions, with each chart downloadable) and
its agreement statistics. Both respect blind mode: see reviews/dashboard.py."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.htmx import HtmxHttpRequest

from ..access import get_membership
from ..charts import standalone
from ..dashboard import Agreement, Dashboard


@login_required
@require_GET
@never_cache
def dashboard(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    board = Dashboard(membership)
    visible = [name for name in Dashboard.CHARTS if board.may_see(name) and name not in Dashboard.IN_SECTIONS]
    context = {
        "review": membership.review,
        "membership": membership,
        "board": board,
        "charts": [(name, Dashboard.CHARTS[name][0], board.chart(name)) for name in visible],
    }
    if board.may_see("gain"):
        context["gain_chart"] = ("gain", Dashboard.CHARTS["gain"][0], board.chart("gain"))
    return render(request, "reviews/dashboard.html", context)


@login_required
@require_GET
@never_cache
def dashboard_chart(request: HtmxHttpRequest, slug: str, chart: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    if chart not in Dashboard.CHARTS:
        raise Http404("No such chart")
    board = Dashboard(membership)
    if not board.may_see(chart):
        raise PermissionDenied("While the review is blind, this chart is for its owners and resolvers.")
    response = HttpResponse(standalone(board.chart(chart)), content_type="image/svg+xml; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{membership.review.slug}-{chart}.svg"'
    return response


@login_required
@require_GET
@never_cache
def statistics(request: HtmxHttpRequest, slug: str) -> HttpResponse:
    membership = get_membership(request.user, slug)
    context = {"review": membership.review, "membership": membership}
    if membership.sees_everything:
        context["agreement"] = Agreement(membership.review)
    return render(request, "reviews/statistics.html", context)
