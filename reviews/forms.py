from django import forms

from .models import COMMENT_MAX_LENGTH, TAG_NAME_MAX_LENGTH, Comment, DecisionChoice, ExclusionReason
from .quotes import locate_quote


class TagForm(forms.Form):
    name = forms.CharField(
        label="Add tag",
        max_length=TAG_NAME_MAX_LENGTH,
        error_messages={
            "required": "Type a tag name.",
            "max_length": f"Tag names are at most {TAG_NAME_MAX_LENGTH} characters.",
        },
    )


class ScoreForm(forms.Form):
    value = forms.TypedChoiceField(
        choices=[("", "Clear"), *[(str(n), str(n)) for n in range(1, 6)]],
        coerce=int,
        empty_value=None,
        required=False,
        error_messages={"invalid_choice": "A score is a whole number from 1 to 5."},
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("", "Clear"), *DecisionChoice.choices],
        required=False,
        error_messages={"invalid_choice": "Decide include, maybe or exclude."},
    )
    reason = forms.ModelChoiceField(
        queryset=ExclusionReason.objects.none(),
        required=False,
        label="Exclusion reason",
        error_messages={"invalid_choice": "That exclusion reason is not one of this review's."},
    )

    def __init__(self, *args, review, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].queryset = ExclusionReason.objects.filter(review=review)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") and cleaned.get("decision") != DecisionChoice.EXCLUDE:
            cleaned["reason"] = None
        return cleaned


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
    """A new comment or reply; ``parents`` are the comments it may reply to (the paper's visible thread)."""

    quote = forms.CharField(required=False, widget=forms.HiddenInput, max_length=COMMENT_MAX_LENGTH)
    quote_near = forms.IntegerField(required=False, min_value=0, widget=forms.HiddenInput)
    parent = forms.ModelChoiceField(
        queryset=Comment.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": "The comment you replied to no longer exists."},
    )

    def __init__(self, *args, abstract: str = "", parents=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.abstract = abstract
        if parents is not None:
            self.fields["parent"].queryset = parents

    def clean(self):
        cleaned = super().clean()
        quote = (cleaned.get("quote") or "").strip()
        cleaned["quote_range"] = None
        if quote:
            found = locate_quote(self.abstract, quote, cleaned.get("quote_near"))
            if found is None:
                raise forms.ValidationError("The quoted passage is not in the abstract of this paper.")
            cleaned["quote_range"] = found
            cleaned["quote"] = self.abstract[found[0] : found[1]]
        return cleaned
