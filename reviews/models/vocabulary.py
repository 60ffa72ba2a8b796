"""A review's vocabulary: its tags and its exclusion reasons, with the rules for their names and numbers."""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import IntegrityError, models, transaction
from django.db.models.functions import Coalesce

from .annotations import PaperTag

TAG_NAME_MAX_LENGTH = 49
# NFKC can lengthen a name (one ligature becomes several letters), so the key has room to spare.
TAG_KEY_MAX_LENGTH = 200
TAG_COLOURS = ["#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
# Enough for any real coding scheme; a flood of thousands would make every page and the settings slow.
MAX_TAGS_PER_REVIEW = 200
MAX_REASONS_PER_REVIEW = 40
# Ids per query when moving or deleting assignments, well under SQLite's limit on query parameters.
MERGE_BATCH_SIZE = 500


# Letters and symbols that render as nothing (Hangul fillers, the blank Braille pattern, Khmer inherent vowels).
BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def _shown(text: str) -> str:
    """``text`` without control, formatting (bidi, zero-width) and blank characters."""
    return "".join(
        char for char in text if unicodedata.category(char) not in ("Cc", "Cf") and char not in BLANK_CHARACTERS
    )


def clean_tag_name(name: str) -> str:
    """A tag name as it is shown and stored: spacing collapsed, control and formatting characters removed.

    Formatting characters (bidi overrides, zero-width spaces) would let two names look alike, or a name
    reorder the text around it. Refuses a name with nothing visible left.
    """
    cleaned = " ".join(_shown(name).split())
    if not any(unicodedata.category(char)[0] in "LNPS" for char in cleaned):
        raise ValidationError("A tag name needs at least one visible letter, digit or symbol.", code="invisible")
    return cleaned


def tag_key(name: str) -> str:
    """The form under which tag names must be unique in a review: NFKC, case-folded, spacing collapsed."""
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(_shown(folded).split())


def validate_tag_name(name: str) -> None:
    """Field validator: the name must clean to something visible that fits its columns."""
    cleaned = clean_tag_name(name)
    if len(cleaned) > TAG_NAME_MAX_LENGTH:
        raise ValidationError(f"Tag names are at most {TAG_NAME_MAX_LENGTH} characters.", code="max_length")
    if len(tag_key(cleaned)) > TAG_KEY_MAX_LENGTH:
        raise ValidationError("That tag name is too long once normalised.", code="normalised_too_long")


class LockedDeleteQuerySet(models.QuerySet):
    """Deletes lock the rows first, so a reviewer using one of them (tagging with the tag, excluding with the
    reason) either finishes before and its row goes too, or finds it gone; without the lock the deletion
    or the annotation fails at commit."""

    def delete(self):
        with transaction.atomic():
            list(self.select_for_update().order_by("pk").values_list("pk"))
            return super().delete()


class LockedDeleteModel(models.Model):
    """Deleting one row goes through LockedDeleteQuerySet.delete() too."""

    class Meta:
        abstract = True

    def delete(self, *args, **kwargs):
        if self.pk is None:
            return super().delete(*args, **kwargs)
        return type(self).objects.filter(pk=self.pk).delete()


class TagQuerySet(LockedDeleteQuerySet):
    def with_usage(self):
        """Annotate ``usage``: on how many papers each tag is (several people applying it to one count once)."""
        papers = (
            PaperTag.objects.filter(tag=models.OuterRef("pk"))
            .order_by()
            .values("tag")
            .annotate(n=models.Count("paper", distinct=True))
            .values("n")
        )
        return self.annotate(usage=Coalesce(models.Subquery(papers, output_field=models.IntegerField()), 0))

    def named(self, review, name: str):
        """The review's tag called ``name`` under the naming rules (at most one: names are unique so)."""
        return self.filter(review=review, normalised_name=tag_key(name))

    def get_or_create_named(self, review, name: str, user=None, **defaults):
        """The review's tag called ``name``, created if there is none; (tag, created).

        Raises ValidationError for a name the rules refuse or when the review's vocabulary is full.
        """
        name = clean_tag_name(name)
        validate_tag_name(name)
        if tag := self.named(review, name).first():
            return tag, False
        return self.create_named(review, name, user, **defaults)

    def create_named(self, review, name: str, user=None, **defaults):
        """A new tag called ``name`` (already cleaned), unless a concurrent request just created it; (tag, created).

        A new tag takes the next colour in turn unless ``defaults`` gives one.
        """
        existing = self.filter(review=review).count()
        if existing >= MAX_TAGS_PER_REVIEW:
            raise Tag.vocabulary_full_error()
        defaults.setdefault("colour", TAG_COLOURS[existing % len(TAG_COLOURS)])
        try:
            with transaction.atomic():
                return self.create(review=review, name=name, created_by=user, **defaults), True
        except IntegrityError:
            # Another request created it first; it may even be gone again already.
            if (tag := self.named(review, name).first()) is None:
                raise ValidationError(f"The tag “{name}” was just deleted.") from None
            return tag, False


class Tag(LockedDeleteModel):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="tags")
    name = models.CharField(max_length=TAG_NAME_MAX_LENGTH, validators=[validate_tag_name])
    normalised_name = models.CharField(max_length=TAG_KEY_MAX_LENGTH, editable=False)
    colour = models.CharField(
        max_length=7, default=TAG_COLOURS[0], validators=[RegexValidator(r"^#[0-9a-fA-F]{6}$", "Use #rrggbb.")]
    )
    description = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = TagQuerySet.as_manager()

    class Meta:
        ordering = ["normalised_name"]
        constraints = [
            models.UniqueConstraint(fields=["review", "normalised_name"], name="tag_name_unique_in_review"),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.name = clean_tag_name(self.name)
        self.normalised_name = tag_key(self.name)
        super().save(*args, **kwargs)

    @staticmethod
    def vocabulary_full_error() -> ValidationError:
        return ValidationError(
            f"This review already has {MAX_TAGS_PER_REVIEW} tags, the most it can hold: merge or delete some first.",
            code="vocabulary_full",
        )

    def clean(self):
        """The review-wide rules a form cannot see: a unique name, and room in the vocabulary for a new tag."""
        if self.review_id is None or not self.name:
            return
        try:
            self.name = clean_tag_name(self.name)
        except ValidationError:
            return  # the field's validator reports it
        others = Tag.objects.filter(review_id=self.review_id).exclude(pk=self.pk)
        if taken := others.filter(normalised_name=tag_key(self.name)).first():
            raise ValidationError(
                {"name": f"This review already has a tag called “{taken.name}” (names ignore case, width and spacing)."}
            )
        if self.pk is None and others.count() >= MAX_TAGS_PER_REVIEW:
            raise self.vocabulary_full_error()

    def merge(self, others: list["Tag"]) -> tuple[int, int]:
        """Move every assignment of ``others`` to this tag and delete them; (moved, dropped duplicates).

        A person who put several of the tags on one paper keeps one assignment there: their earliest, with its
        applied_at. All the tags must belong to this tag's review.
        """
        if any(tag.review_id != self.review_id for tag in others):
            raise ValidationError("Only tags of the same review can be merged.")
        tag_ids = [self.pk, *(tag.pk for tag in others)]
        with transaction.atomic():
            # Locking the tags holds back concurrent taggings with them (their inserts wait on the row lock).
            list(Tag.objects.select_for_update().filter(pk__in=tag_ids).order_by("pk").values_list("pk"))
            assignments = (
                PaperTag.objects.filter(tag_id__in=tag_ids)
                .order_by("paper_id", "applied_by_id", "applied_at", "pk")
                .values_list("pk", "paper_id", "applied_by_id", "tag_id")
            )
            kept, to_move, to_delete = set(), [], []
            for pk, paper_id, applied_by_id, tag_id in assignments.iterator():
                # A former member's assignments (applied_by None) are not one person's: each is kept.
                if applied_by_id is not None and (paper_id, applied_by_id) in kept:
                    to_delete.append(pk)
                    continue
                kept.add((paper_id, applied_by_id))
                if tag_id != self.pk:
                    to_move.append(pk)
            # Duplicates go first, so no moved row collides on the unique (review, paper, tag, applied_by).
            for start in range(0, len(to_delete), MERGE_BATCH_SIZE):
                PaperTag.objects.filter(pk__in=to_delete[start : start + MERGE_BATCH_SIZE]).delete()
            for start in range(0, len(to_move), MERGE_BATCH_SIZE):
                PaperTag.objects.filter(pk__in=to_move[start : start + MERGE_BATCH_SIZE]).update(tag=self)
            Tag.objects.filter(pk__in=[tag.pk for tag in others]).delete()
        return len(to_move), len(to_delete)


class ExclusionReason(LockedDeleteModel):
    review = models.ForeignKey("reviews.Review", on_delete=models.CASCADE, related_name="exclusion_reasons")
    label = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)

    objects = LockedDeleteQuerySet.as_manager()

    class Meta:
        ordering = ["position", "label"]
        constraints = [models.UniqueConstraint(fields=["review", "label"], name="unique_exclusion_reason")]

    def __str__(self):
        return self.label

    def clean(self):
        if self.review_id is None:
            return
        others = ExclusionReason.objects.filter(review_id=self.review_id).exclude(pk=self.pk)
        if self.pk is None and others.count() >= MAX_REASONS_PER_REVIEW:
            raise ValidationError(
                f"This review already has {MAX_REASONS_PER_REVIEW} exclusion reasons, the most it can hold."
            )
