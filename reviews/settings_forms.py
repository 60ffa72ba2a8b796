"""Forms of a review's settings page: its details, screening rules, members, tag vocabulary and exclusion reasons."""

from django import forms
from django.contrib.auth import get_user_model

from .keywords import MAX_KEYWORD_LENGTH, MAX_KEYWORDS, parse_keywords
from .models import (
    MAX_PRIORITY_MINIMUM,
    MAX_REQUIRED_SCREENERS,
    TAG_NAME_MAX_LENGTH,
    ExclusionReason,
    Membership,
    Review,
    Role,
    Tag,
    clean_tag_name,
)


class ReviewDetailsForm(forms.ModelForm):
    class Meta:
        model = Review
        fields = [
            "title", "research_question", "inclusion_criteria", "exclusion_criteria", "inclusion_keywords",
            "exclusion_keywords", "allow_new_tags",
        ]  # fmt: skip
        widgets = {
            "research_question": forms.Textarea(attrs={"rows": 2}),
            "inclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "exclusion_criteria": forms.Textarea(attrs={"rows": 4}),
            "inclusion_keywords": forms.Textarea(attrs={"rows": 3}),
            "exclusion_keywords": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"allow_new_tags": "Allow new tags"}
        help_texts = {
            "inclusion_keywords": "One word or phrase a line, highlighted in green in titles and abstracts. "
            "Case does not matter, and a keyword also marks longer words it starts (random: randomised).",
            "exclusion_keywords": "As above, highlighted in red.",
        }

    def _clean_keywords(self, name: str) -> str:
        keywords = parse_keywords(self.cleaned_data[name])
        if len(keywords) > MAX_KEYWORDS:
            raise forms.ValidationError(f"At most {MAX_KEYWORDS} keywords.")
        if too_long := [k for k in keywords if len(k) > MAX_KEYWORD_LENGTH]:
            raise forms.ValidationError(f"Keywords are at most {MAX_KEYWORD_LENGTH} characters: “{too_long[0][:40]}…”.")
        # Stored one a line, as they will be read.
        return "\n".join(keywords)

    def clean_inclusion_keywords(self):
        return self._clean_keywords("inclusion_keywords")

    def clean_exclusion_keywords(self):
        return self._clean_keywords("exclusion_keywords")


ROLE_HELP = (
    "Owners change the settings, screen and see everything. Reviewers screen: decide, score, tag and comment "
    "(in a blind review they see no one else's votes, scores or tags on a paper until they have decided on it). "
    "Resolvers see everything and make the final decision where screeners disagree; they tag and comment but do "
    "not screen. Observers read (blind like reviewers) and change nothing."
)


def role_field() -> forms.ChoiceField:
    return forms.ChoiceField(choices=Role.choices, initial=Role.REVIEWER, help_text=ROLE_HELP)


class ScreeningSettingsForm(forms.ModelForm):
    """How papers are screened: blind or open, by how many people, and when their votes agree."""

    required_screeners = forms.TypedChoiceField(
        coerce=int,
        choices=[(n, str(n)) for n in range(1, MAX_REQUIRED_SCREENERS + 1)],
        label="Required screeners",
        help_text="How many independent decisions each paper needs before it counts as screened.",
        error_messages={"invalid_choice": f"Choose from 1 to {MAX_REQUIRED_SCREENERS} screeners."},
    )

    class Meta:
        model = Review
        fields = ["blind", "hide_comments_while_blind", "required_screeners", "conflict_rule"]
        labels = {
            "blind": "Blind screening",
            "hide_comments_while_blind": "Hide others' comments too",
            "conflict_rule": "When do votes agree?",
        }
        widgets = {"conflict_rule": forms.RadioSelect}
        help_texts = {
            "conflict_rule": "Strict: a paper one screener includes and another marks maybe is a conflict for a "
            "resolver. Maybe goes with include: only include-or-maybe against exclude is a conflict.",
        }


class PrioritySettingsForm(forms.ModelForm):
    """Whether screening mode serves the most likely relevant paper first, and how many decisions the priority
    order waits for before it ranks (reviews/priority.py)."""

    class Meta:
        model = Review
        fields = ["screen_by_priority", "priority_min_includes", "priority_min_excludes"]
        labels = {
            "screen_by_priority": "Screen the most likely relevant papers first",
            "priority_min_includes": "Includes needed before ranking",
            "priority_min_excludes": "Excludes needed before ranking",
        }
        error_messages = {
            name: {
                "min_value": "At least 1: the model needs an example of each kind.",
                "max_value": f"At most {MAX_PRIORITY_MINIMUM:,}.",
                "invalid": "Enter a whole number.",
            }
            for name in ("priority_min_includes", "priority_min_excludes")
        }
        widgets = {
            name: forms.NumberInput(attrs={"min": 1, "max": MAX_PRIORITY_MINIMUM})
            for name in ("priority_min_includes", "priority_min_excludes")
        }
        help_texts = {
            "screen_by_priority": "Untick to screen the newest papers first; the list's “Most likely relevant” sort "
            "stays available.",
            "priority_min_includes": "The order waits for this many includes among the decisions it learns from: "
            "more gives a steadier first ranking, later.",
            "priority_min_excludes": "The same for excludes.",
        }


class MemberAddForm(forms.Form):
    username = forms.CharField(max_length=150, error_messages={"required": "Type the username of the person to add."})
    role = role_field()

    def __init__(self, *args, review: Review, **kwargs):
        super().__init__(*args, **kwargs)
        self.review = review

    def clean_username(self):
        username = self.cleaned_data["username"]
        user_model = get_user_model()
        user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise forms.ValidationError(f"There is no user called “{username}”. They need an account first.")
        if Membership.objects.filter(review=self.review, user=user).exists():
            raise forms.ValidationError(f"{username} is already a member; change their role in the list below.")
        self.cleaned_data["user"] = user
        return username


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices, help_text=ROLE_HELP)


class VocabularyTagForm(forms.ModelForm):
    """A tag of the review's vocabulary; the instance must carry its review before validation."""

    class Meta:
        model = Tag
        fields = ["name", "colour", "description"]
        widgets = {
            "colour": forms.TextInput(attrs={"type": "color"}),
            "description": forms.Textarea(attrs={"rows": 2}),
        }
        error_messages = {
            "name": {
                "required": "Type a tag name.",
                "max_length": f"Tag names are at most {TAG_NAME_MAX_LENGTH} characters.",
            },
        }

    def clean_name(self):
        # Cleaned here as Tag.save() will, so the page shows the name as it will be saved; the model's clean()
        # then checks it is free and that the vocabulary has room.
        return clean_tag_name(self.cleaned_data["name"])


class TagDeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="Also remove it from every paper it is on",
        error_messages={"required": "Tick the box to confirm: deleting a tag removes it from its papers."},
    )


class ExclusionReasonForm(forms.ModelForm):
    """An exclusion reason; the instance must carry its review before validation."""

    class Meta:
        model = ExclusionReason
        fields = ["label", "position"]
        error_messages = {"label": {"required": "Type the reason."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A new reason without a position goes last.
        if not self.instance.pk:
            self.fields["position"].required = False
            self.fields["position"].help_text = "Empty puts it last."
            self.fields["position"].initial = None
            self.initial.pop("position", None)
        self.fields["position"].widget.attrs["min"] = 0

    def clean_label(self):
        label = self.cleaned_data["label"].strip()
        taken = ExclusionReason.objects.filter(review=self.instance.review, label=label).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError(f"This review already has the reason “{label}”.")
        return label

    def clean_position(self):
        position = self.cleaned_data["position"]
        if position is None:
            last = ExclusionReason.objects.filter(review=self.instance.review).order_by("-position").first()
            position = last.position + 1 if last else 0
        return position
