"""The Import records form: files, their format, the options, and the review to add the papers to."""

from django import forms

from .importers.detect import FORMATS
from .models import ImportFormat

# More files than this in one job are better split into several imports.
MAX_FILES = 20


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more uploaded files, cleaned to a list."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        if not files:
            return [super().clean(None, initial)]  # raises "required"
        if len(files) > MAX_FILES:
            raise forms.ValidationError(f"Choose at most {MAX_FILES} files; import more in another go.")
        return [super(MultipleFileField, self).clean(file, initial) for file in files]


def format_choices() -> list[tuple[str, str]]:
    labels = dict(ImportFormat.choices)
    return [("auto", "Detect from content"), *((name, labels.get(name, name)) for name in FORMATS)]


class ImportForm(forms.Form):
    files = MultipleFileField(
        label="Files",
        help_text="arXiv dataset dumps, JSONL, CSV, BibTeX or RIS exports, UTF-8 encoded; several at once if you like.",
    )
    format = forms.ChoiceField(choices=format_choices, initial="auto")
    review = forms.ModelChoiceField(
        queryset=None,
        required=False,
        empty_label="None: the corpus only",
        help_text="The imported papers are added to this review when the import succeeds.",
    )
    skip_invalid = forms.BooleanField(
        label="Skip invalid records",
        required=False,
        help_text="Import the valid records and list each skipped one, instead of refusing the whole import.",
    )
    dry_run = forms.BooleanField(
        label="Dry run", required=False, help_text="Check the files and count what would change; save nothing."
    )

    def __init__(self, *args, reviews, review_required: bool, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["review"]
        field.queryset = reviews
        field.required = review_required
        if review_required:
            field.empty_label = None
            field.help_text = "The review you own that the papers go into when the import succeeds."
