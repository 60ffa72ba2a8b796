"""The Import records page and an import job's page (progress, then the report)."""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django.views.decorators.vary import vary_on_headers

from config.htmx import HtmxHttpRequest
from reviews.models import Review

from .import_forms import ImportForm
from .models import ImportJob
from .tasks import fail_if_worker_stopped, start_import, sync_with_task
from .views import wants_fragment

RECENT_JOBS = 10


@dataclass
class ImportAccess:
    """What a user may import: into the corpus alone (curators), and into which reviews (those they own)."""

    corpus: bool
    reviews: QuerySet


def get_import_access(user) -> ImportAccess:
    """Curators (who may add papers, as in the admin's upload) and review owners may import; others get 403."""
    reviews = Review.objects.owned_by(user).order_by("title")
    corpus = user.has_perm("papers.add_paper")
    if not corpus and not reviews.exists():
        raise PermissionDenied("Only curators and the owners of a review can import records.")
    return ImportAccess(corpus=corpus, reviews=reviews)


def get_job_for_user(user, job_id: int) -> ImportJob:
    """The user's own import job; anyone else's is a 404, as if it did not exist."""
    return get_object_or_404(
        ImportJob.objects.for_user(user).select_related("review").prefetch_related("batches"), pk=job_id
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_records(request: HttpRequest) -> HttpResponse:
    access = get_import_access(request.user)
    initial = {"review": access.reviews.filter(slug=request.GET.get("review", "")).first()}
    form = ImportForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        reviews=access.reviews,
        review_required=not access.corpus,
    )
    if request.method == "POST" and form.is_valid():
        job = start_import(
            request.user,
            form.cleaned_data["files"],
            format=form.cleaned_data["format"],
            dry_run=form.cleaned_data["dry_run"],
            skip_invalid=form.cleaned_data["skip_invalid"],
            review=form.cleaned_data["review"],
        )
        return redirect(job)
    recent = list(ImportJob.objects.for_user(request.user).select_related("review")[:RECENT_JOBS])
    for job in recent:
        if fail_if_worker_stopped(job):
            job.refresh_from_db()
    status = 422 if form.errors else 200
    return render(request, "papers/import_records.html", {"form": form, "recent_jobs": recent}, status=status)


@login_required
@require_GET
@vary_on_headers("HX-Request")
@never_cache
def import_job(request: HtmxHttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_user(request.user, job_id)
    sync_with_task(job)
    template = "papers/import_job.html"
    if wants_fragment(request):
        template += "#job-status"
    return render(request, template, {"job": job})
