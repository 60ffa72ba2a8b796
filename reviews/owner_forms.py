"""Forms for building a team: a new review, an invitation by e-mail, joining through one, adding papers."""

from django import forms
from django.contrib.auth.forms import UserCreationForm

from .models import Review
from .settings_forms import ScreeningSettingsForm, role_field


class ReviewCreateForm(forms.ModelForm):
    required_screeners = ScreeningSettingsForm.base_fields["required_screeners"]

    class Meta:
        model = Review
        fields = [
            "title", "research_question", "inclusion_criteria", "exclusion_criteria", *ScreeningSettingsForm.Meta.fields
        ]  # fmt: skip
        widgets = {
            "research_question": forms.Textarea(attrs={"rows": 2}),
            "inclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "exclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            **ScreeningSettingsForm.Meta.widgets,
        }
        labels = ScreeningSettingsForm.Meta.labels
        error_messages = {"title": {"required": "Give the review a title."}}
        help_texts = {
            "title": "Its address is made from the title; you can rename it later.",
            **ScreeningSettingsForm.Meta.help_texts,
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A form posted without them (a script, an old page) gets the defaults, as the page's form shows them.
        for name in ("required_screeners", "conflict_rule"):
            self.fields[name].required = False

    def _or_default(self, name: str):
        return self.cleaned_data.get(name) or Review._meta.get_field(name).default

    def clean_required_screeners(self):
        return self._or_default("required_screeners")

    def clean_conflict_rule(self):
        return self._or_default("conflict_rule")

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError("Give the review a title.")
        return title


class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        error_messages={"required": "Type the e-mail address of the person to invite."},
    )
    role = role_field()


class JoinForm(UserCreationForm):
    """A new account made through an invitation; the e-mail address is the invitation's."""

    class Meta(UserCreationForm.Meta):
        fields = ["username"]

    def __init__(self, *args, email: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.instance.email = email
        # Django 5.1+ offers "password-based authentication: disabled"; a new member needs a password.
        self.fields.pop("usable_password", None)


class AddPapersForm(forms.Form):
    """Which of the user's own reviews receives the papers; the papers themselves are the filters' set."""

    review = forms.ModelChoiceField(
        queryset=Review.objects.none(),
        empty_label=None,
        error_messages={
            "required": "Choose a review.",
            "invalid_choice": "Choose one of the reviews you own.",
        },
    )

    def __init__(self, *args, reviews, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["review"].queryset = reviews
