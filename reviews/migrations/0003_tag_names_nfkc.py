"""Tag names are unique under NFKC case folding, with formatting characters ignored: recompute every key.

Tags whose names now coincide in a review are merged into the oldest, as the admin's merge action would.
"""

import unicodedata

import reviews.models.vocabulary
from django.db import migrations, models


BLANK_CHARACTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u17b4\u17b5")


def _visible(text):
    return "".join(
        char for char in text if unicodedata.category(char) not in ("Cc", "Cf") and char not in BLANK_CHARACTERS
    )


def _key(name):
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return " ".join(_visible(folded).split())


def renormalise_tag_names(apps, schema_editor):
    Tag = apps.get_model("reviews", "Tag")
    PaperTag = apps.get_model("reviews", "PaperTag")
    # Placeholder keys first, so no new key collides with an old one not yet recomputed.
    for pk in Tag.objects.values_list("pk", flat=True):
        Tag.objects.filter(pk=pk).update(normalised_name=f"#renormalising-{pk}")
    survivors = {}
    for tag in Tag.objects.order_by("created_at", "pk"):
        tag.name = " ".join(_visible(tag.name).split()) or tag.name
        key = (tag.review_id, _key(tag.name))
        survivor = survivors.setdefault(key, tag)
        if survivor is not tag:
            kept = set(PaperTag.objects.filter(tag=survivor).values_list("paper_id", flat=True))
            PaperTag.objects.filter(tag=tag, paper_id__in=kept).delete()
            PaperTag.objects.filter(tag=tag).update(tag=survivor)
            tag.delete()
            continue
        Tag.objects.filter(pk=tag.pk).update(name=tag.name, normalised_name=key[1])


class Migration(migrations.Migration):
    dependencies = [
        ("reviews", "0002_mean_score_order_index"),
    ]

    operations = [
        migrations.AlterField(
            model_name="tag",
            name="name",
            field=models.CharField(max_length=49, validators=[reviews.models.vocabulary.validate_tag_name]),
        ),
        migrations.AlterField(
            model_name="tag",
            name="normalised_name",
            field=models.CharField(editable=False, max_length=200),
        ),
        migrations.RunPython(renormalise_tag_names, migrations.RunPython.noop),
    ]
