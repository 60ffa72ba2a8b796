"""The settings page's form for bringing a member's screening over from ASReview or Rayyan."""

from django import forms
from django.core.exceptions import ValidationError

from .models import Membership, Role

# A screening export of tens of thousands of records is a few megabytes; more is not one.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class ScreenerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, membership: Membership) -> str:
        return f"{membership.user.get_username()} ({membership.get_role_display().lower()})"


class ScreeningImportForm(forms.Form):
    source = forms.ChoiceField(
        label="Exported from",
        choices=[("asreview", "ASReview (CSV or RIS export)"), ("rayyan", "Rayyan (RIS or CSV export)")],
    )
    file = forms.FileField(label="Export file", help_text="The file the tool exported, with its labels or notes.")
    screener = ScreenerChoiceField(
        label="Whose decisions",
        queryset=Membership.objects.none(),
        help_text="The member who screened in the other tool: the decisions, tags and notes become theirs.",
    )
    reviewer = forms.CharField(
        label="Name in Rayyan",
        required=False,
        max_length=150,
        help_text="Only for a Rayyan file holding several reviewers' decisions: whose to take.",
    )
    dry_run = forms.BooleanField(label="Only check and count; import nothing", required=False)

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        screeners = Membership.objects.filter(review=review, role__in=[Role.OWNER, Role.REVIEWER])
        self.fields["screener"].queryset = screeners.select_related("user").order_by("user__username")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return upload
