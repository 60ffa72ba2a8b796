"""The forms of a paper's annotation panel. Templates read their limits and choices from these fields."""

from django import forms

from config.converters import MAX_DATABASE_ID

from .models import (
    COMMENT_MAX_LENGTH,
    MAX_SCORE,
    MIN_SCORE,
    TAG_NAME_MAX_LENGTH,
    DecisionChoice,
    ScreeningPreferences,
)
from .models.vocabulary import validate_tag_name


def first_error(form: forms.Form) -> str:
    return next(iter(form.errors.values()))[0]


class TagForm(forms.Form):
    name = forms.CharField(
        label="Add tag",
        max_length=TAG_NAME_MAX_LENGTH,
        validators=[validate_tag_name],
        error_messages={
            "required": "Type a tag name.",
            "max_length": f"Tag names are at most {TAG_NAME_MAX_LENGTH} characters.",
        },
    )


class ScoreForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[("", "Clear"), *[(str(n), str(n)) for n in range(MIN_SCORE, MAX_SCORE + 1)]],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": f"A score is a whole number from {MIN_SCORE} to {MAX_SCORE}."},
    )

    @classmethod
    def values(cls) -> list[str]:
        """The scores a reviewer can give, for the panel's buttons."""
        return [value for value, _ in cls.base_fields["value"].choices if value]


def reason_field() -> forms.IntegerField:
    """An exclusion reason's id, as a decision or a final decision sends it; which review's it is, the write
    path checks."""
    return forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DATABASE_ID,
        label="Exclusion reason",
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value"], "That exclusion reason is not one of this review's."
        ),
    )


class DecisionForm(forms.Form):
    """A decision and, with an exclusion, a reason's id; whether the reason is the review's is for
    reviews.annotating to say, as it may have been deleted since the page was drawn."""

    decision = forms.ChoiceField(
        choices=[("", "Clear"), *DecisionChoice.choices],
        required=False,
        error_messages={"invalid_choice": "Decide include, maybe or exclude."},
    )
    reason = reason_field()

    def clean_reason(self):
        # A reason goes with an exclusion only; one sent with another decision is ignored, not refused.
        return self.cleaned_data["reason"] if self.data.get("decision") == DecisionChoice.EXCLUDE else None


class CommentBodyForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=COMMENT_MAX_LENGTH - 1,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": "Write something before posting.",
            "max_length": f"Comments are limited to {COMMENT_MAX_LENGTH - 1:,} characters.",
        },
    )


class CommentForm(CommentBodyForm):
    """A new comment or a reply; whether the quote and the parent hold is for reviews.annotating to say."""

    quote = forms.CharField(required=False, widget=forms.HiddenInput, max_length=COMMENT_MAX_LENGTH)
    quote_near = forms.IntegerField(required=False, min_value=0, max_value=MAX_DATABASE_ID, widget=forms.HiddenInput)
    parent = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DATABASE_ID,
        widget=forms.HiddenInput,
        error_messages=dict.fromkeys(
            ["invalid", "min_value", "max_value"], "The comment you replied to no longer exists."
        ),
    )


class ScreeningPreferencesForm(forms.ModelForm):
    class Meta:
        model = ScreeningPreferences
        fields = ["auto_advance", "single_key_shortcuts"]
        labels = {
            "auto_advance": "Move to the next paper after a decision",
            "single_key_shortcuts": "Single-key shortcuts",
        }
