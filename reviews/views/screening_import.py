"""An owner brings a member's screening over from ASReview or Rayyan, from the settings page (the same import as
``manage.py import_review FILE --from asreview|rayyan``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from ..access import get_owner_membership
from ..import_forms import ScreeningImportForm
from ..importing import ImportRefused
from ..importing.screening_exports import import_screening
from .settings import redirect_to_settings, render_settings_page

# A bad file can have a problem on every line; the first ones say what is wrong.
SHOWN_PROBLEMS = 20


@login_required
@require_POST
def screening_import(request: HttpRequest, slug: str) -> HttpResponse:
    membership = get_owner_membership(request.user, slug)
    review = membership.review
    form = ScreeningImportForm(request.POST, request.FILES, review=review, auto_id="import-%s")
    if form.is_valid():
        upload, screener = form.cleaned_data["file"], form.cleaned_data["screener"]
        try:
            report = import_screening(
                form.cleaned_data["source"],
                upload.name,
                upload.read(),
                username=screener.user.get_username(),
                slug=review.slug,
                dry_run=form.cleaned_data["dry_run"],
                reviewer=form.cleaned_data["reviewer"] or None,
            )
        except ImportRefused as refused:
            problems = refused.problems
            form.add_error(None, "Nothing was imported:")
            for problem in problems[:SHOWN_PROBLEMS]:
                form.add_error(None, problem)
            if len(problems) > SHOWN_PROBLEMS:
                form.add_error(None, f"… and {len(problems) - SHOWN_PROBLEMS} more problems.")
    if not form.is_valid():
        return render_settings_page(request, membership, screening_import_form=form, status=422)
    for line in report.summary_lines():
        messages.success(request, line.strip())
    return redirect_to_settings(review, "import")
