"""The import batch admin with a way to put a batch's papers into a review, right after an upload.

The upload page lands on the new batch's page; its "Add these papers to a review" link leads here. The papers
app knows nothing of reviews, so the reviews app re-registers the batch admin, as it does the Paper admin.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path

from papers.admin import ImportBatchAdmin
from papers.models import ImportBatch, Paper

from .papers import ChooseReviewForm


class ReviewAwareImportBatchAdmin(ImportBatchAdmin):
    def get_urls(self):
        add_to_review = path(
            "<id:object_id>/add-to-review/",
            self.admin_site.admin_view(self.add_to_review_view),
            name="papers_importbatch_add_to_review",
        )
        return [add_to_review, *super().get_urls()]

    def can_add_to_review(self, request) -> bool:
        # As the papers list's "Add selected papers to a review" action.
        return request.user.has_perm("papers.change_paper")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_add_to_review": self.can_add_to_review(request)}
        return super().change_view(request, object_id, form_url, extra_context)

    def add_to_review_view(self, request, object_id):
        if not self.can_add_to_review(request):
            raise PermissionDenied
        batch = get_object_or_404(ImportBatch, pk=object_id)
        papers = Paper.objects.filter(import_batches=batch)
        form = ChooseReviewForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            review = form.cleaned_data["review"]
            selected = papers.count()
            added = review.add_papers(papers)
            messages.success(
                request,
                f"Added {added} paper(s) of {batch.file_name} to “{review}”; {selected - added} were already in it.",
            )
            return redirect("admin:papers_importbatch_change", batch.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Add the papers of {batch.file_name} to a review",
            "opts": self.model._meta,
            "batch": batch,
            "count": papers.count(),
            "form": form,
        }
        return TemplateResponse(request, "admin/papers/importbatch/add_to_review.html", context)


admin.site.unregister(ImportBatch)
admin.site.register(ImportBatch, ReviewAwareImportBatchAdmin)
