"""Forms of the resolvers' queue and the owners' assignment page."""

from django import forms

from config.converters import MAX_DATABASE_ID

from .annotating import NOTE_MAX_LENGTH
from .forms import reason_field
from .models import MAX_REQUIRED_SCREENERS, FinalChoice


class ScreenQueryForm(forms.Form):
    """Screening mode's query string: a paper to show (after an undo), or the paper just decided (``after``), to
    go on from; a value that is not an id is ignored."""

    paper = forms.IntegerField(required=False, min_value=1, max_value=MAX_DATABASE_ID)
    after = forms.IntegerField(required=False, min_value=1, max_value=MAX_DATABASE_ID)

    def value(self, name: str) -> int | None:
        self.is_valid()  # a bad value leaves its field out of cleaned_data; the other still counts
        return self.cleaned_data.get(name)


class QueueTabForm(forms.Form):
    """Which of the conflicts queue's tabs to show; anything else shows the open conflicts."""

    show = forms.ChoiceField(choices=[("open", "Open"), ("resolved", "Resolved"), ("reopened", "Reopened")])

    def tab(self) -> str:
        return self.cleaned_data["show"] if self.is_valid() else "open"


class ResolveForm(forms.Form):
    """A final decision on one paper. Whether the reason is the review's, and whether the votes moved since
    ``seen`` was drawn, is for reviews.annotating.resolve to say."""

    paper = forms.IntegerField(min_value=1, max_value=MAX_DATABASE_ID, widget=forms.HiddenInput)
    seen = forms.CharField(max_length=64, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="Final decision",
        choices=FinalChoice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose include or exclude.", "invalid_choice": "Choose include or exclude."},
    )
    reason = reason_field()
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"A note is at most {NOTE_MAX_LENGTH} characters."},
    )

    def clean_reason(self):
        return self.cleaned_data["reason"] if self.data.get("decision") == FinalChoice.EXCLUDE else None


class AssignmentForm(forms.Form):
    """Share the review's papers among ``screeners`` (the review's owners and reviewers, by membership id)."""

    screeners = forms.MultipleChoiceField(
        label="Reviewers",
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one reviewer.",
            "invalid_choice": "Only the review's owners and reviewers can be assigned papers to screen.",
        },
    )
    per_paper = forms.TypedChoiceField(
        label="Reviewers per paper",
        coerce=int,
        choices=[(n, str(n)) for n in range(1, MAX_REQUIRED_SCREENERS + 1)],
        error_messages={"invalid_choice": f"Each paper goes to 1 to {MAX_REQUIRED_SCREENERS} reviewers."},
    )
    only_unassigned = forms.BooleanField(label="Only papers nobody is assigned yet", required=False)
    only_unscreened = forms.BooleanField(label="Only papers nobody has screened yet", required=False)

    def __init__(self, *args, members, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["screeners"].choices = [(str(m.pk), m.user.get_username()) for m in members]

    def clean(self):
        cleaned = super().clean()
        chosen, per_paper = cleaned.get("screeners"), cleaned.get("per_paper")
        if chosen and per_paper and per_paper > len(chosen):
            raise forms.ValidationError(
                f"Each paper cannot go to {per_paper} reviewers when you chose {len(chosen)}: choose more reviewers "
                "or fewer per paper."
            )
        return cleaned
