"""A review's vocabulary: tag names unique under Unicode rules, bounded in number, suggested from an endpoint."""

import importlib
import re

import pytest
from django.apps import apps
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.urls import reverse

from reviews.models import (
    COMMENT_MAX_LENGTH,
    MAX_REASONS_PER_REVIEW,
    MAX_TAGS_PER_REVIEW,
    TAG_NAME_MAX_LENGTH,
    ExclusionReason,
    PaperTag,
    Tag,
    tag_key,
)
from tests.factories import logged_in

HTMX = {"HX-Request": "true"}


def url(team, name, *args):
    return reverse(f"reviews:{name}", args=[team.review.slug, *args])


def fill_vocabulary(team, count=MAX_TAGS_PER_REVIEW):
    Tag.objects.bulk_create([Tag(review=team.review, name=f"t{n}", normalised_name=f"t{n}") for n in range(count)])


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Chain of thought", "chain  OF thought"),
        ("Efficiency", "Ｅｆｆｉｃｉｅｎｃｙ"),  # full-width letters
        ("ﬁne-tuning", "fine-tuning"),  # a ligature
        ("Straße", "STRASSE"),  # case folding, not lowering
        ("RLHF", "R\u200bL\u200bH\u200bF"),  # zero-width spaces
        ("Safety", "\u202eSafety\u202c"),  # bidi overrides
    ],
)
def test_names_that_look_alike_are_one_tag(one, other):
    assert tag_key(one) == tag_key(other)


def test_a_tag_is_stored_without_invisible_characters(team):
    tag = Tag.objects.create(review=team.review, name="\u202eSafe\u200bty  first\u202c")

    assert tag.name == "Safety first"


def test_the_settings_page_refuses_a_lookalike_of_an_existing_tag(client, team):
    Tag.objects.create(review=team.review, name="Efficiency")

    response = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": "ＥＦＦＩＣＩＥＮＣＹ"})

    assert response.status_code == 422
    assert "already has a tag called “Efficiency”" in response.text
    assert Tag.objects.count() == 1


@pytest.mark.parametrize("name", ["\u200b", "\u202e\u202c", " \t "])
def test_the_settings_page_refuses_an_invisible_name(client, team, name):
    response = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": name})

    assert response.status_code == 422
    assert not Tag.objects.exists()


def test_the_settings_page_refuses_a_tag_beyond_the_cap(client, team):
    fill_vocabulary(team)

    response = logged_in(client, team.alice).post(url(team, "settings_tag_create"), {"name": "More"})

    assert response.status_code == 422
    assert f"already has {MAX_TAGS_PER_REVIEW} tags" in response.text
    assert Tag.objects.count() == MAX_TAGS_PER_REVIEW


def test_the_settings_page_refuses_a_reason_beyond_the_cap(client, team):
    ExclusionReason.objects.bulk_create(
        [ExclusionReason(review=team.review, label=f"r{n}") for n in range(MAX_REASONS_PER_REVIEW)]
    )

    response = logged_in(client, team.alice).post(url(team, "settings_reason_create"), {"label": "More"})

    assert response.status_code == 422
    assert f"already has {MAX_REASONS_PER_REVIEW} exclusion reasons" in response.text
    assert ExclusionReason.objects.count() == MAX_REASONS_PER_REVIEW


def test_a_reviewer_flooding_the_tag_box_is_stopped_at_the_cap(client, team):
    logged_in(client, team.bob)
    fill_vocabulary(team, MAX_TAGS_PER_REVIEW - 1)

    statuses = [
        client.post(url(team, "tag_add", team.paper.pk), {"name": f"flood {n}"}, headers=HTMX).status_code
        for n in range(3)
    ]

    assert statuses == [200, 422, 422]
    assert Tag.objects.count() == MAX_TAGS_PER_REVIEW


def test_the_admin_refuses_a_tag_beyond_the_cap(admin_client, team):
    fill_vocabulary(team)

    response = admin_client.post(
        reverse("admin:reviews_tag_add"), {"review": team.review.pk, "name": "More", "colour": "#123456"}
    )

    assert response.status_code == 200
    assert f"already has {MAX_TAGS_PER_REVIEW} tags" in response.text
    assert Tag.objects.count() == MAX_TAGS_PER_REVIEW


def test_list_pages_do_not_carry_the_vocabulary(client, team):
    logged_in(client, team.bob)
    small = len(client.get(team.review.get_absolute_url()).content)
    Tag.objects.bulk_create(
        [Tag(review=team.review, name=f"unused tag {n}", normalised_name=f"unused tag {n}") for n in range(150)]
    )

    page = client.get(team.review.get_absolute_url()).text
    paper_page = client.get(reverse("reviews:paper", args=[team.review.slug, team.paper.arxiv_id])).text

    assert "unused tag 1" in page, "the tag filter still lists the vocabulary, once"
    assert page.count("unused tag 1<") == 1
    assert "unused tag 1" not in paper_page
    # Each tag is one checkbox chip in the filter (about 75 bytes), and nothing more.
    assert len(page) < small + 150 * 90


def test_suggestions_list_matching_tags_those_starting_with_the_text_first(client, team):
    for name in ["prompting", "chain-of-thought prompting", "efficiency"]:
        Tag.objects.create(review=team.review, name=name)

    response = logged_in(client, team.bob).get(url(team, "tag_suggestions"), {"name": "PROMPT"}, headers=HTMX)

    assert response.status_code == 200
    assert re.findall(r'<option value="([^"]*)">', response.text) == ["prompting", "chain-of-thought prompting"]


def test_suggestions_are_capped(client, team):
    fill_vocabulary(team, 50)

    response = logged_in(client, team.bob).get(url(team, "tag_suggestions"), {"name": ""})

    assert response.text.count("<option") == 20


@pytest.mark.parametrize(("user", "status"), [("olivia", 403), ("eve", 404)])
def test_suggestions_are_for_members_who_annotate(client, team, user, status):
    Tag.objects.create(review=team.review, name="secret")

    response = logged_in(client, getattr(team, user)).get(url(team, "tag_suggestions"), {"name": "s"})

    assert response.status_code == status
    assert "secret" not in response.text


def test_the_panel_takes_its_limits_and_choices_from_the_forms(client, team):
    page = logged_in(client, team.bob).get(team.review.get_absolute_url()).text
    paper_page = client.get(reverse("reviews:paper", args=[team.review.slug, team.paper.arxiv_id])).text

    assert f'maxlength="{TAG_NAME_MAX_LENGTH}"' in page
    assert f'maxlength="{COMMENT_MAX_LENGTH - 1}"' in paper_page
    assert page.count('name="value" value="') == 5 * 2
    for decision in ["include", "maybe", "exclude"]:
        assert f'name="decision" value="{decision}"' in page


def test_the_migration_renormalises_names_and_merges_lookalikes(team):
    migration = importlib.import_module("reviews.migrations.0003_tag_names_nfkc")
    first = Tag.objects.create(review=team.review, name="Efficiency")
    second = Tag.objects.create(review=team.review, name="Other")
    PaperTag.objects.create(review=team.review, paper=team.paper, tag=first)
    PaperTag.objects.create(review=team.review, paper=team.paper, tag=second)
    PaperTag.objects.create(review=team.review, paper=team.other_paper, tag=second)
    # As a row written under the old rule could hold it: a full-width twin with its own key.
    Tag.objects.filter(pk=second.pk).update(name="ＥＦＦＩＣＩＥＮＣＹ", normalised_name="ｅｆｆｉｃｉｅｎｃｙ")

    migration.renormalise_tag_names(apps, None)

    assert list(Tag.objects.values_list("name", "normalised_name")) == [("Efficiency", "efficiency")]
    assert sorted(PaperTag.objects.values_list("paper_id", flat=True)) == [team.paper.pk, team.other_paper.pk]


@pytest.mark.parametrize(("name", "message"), [("One more", "already has 200 tags"), ("\u200b", "visible")])
def test_the_paper_admin_bulk_tagging_refuses_what_the_rules_refuse(admin_client, team, name, message):
    fill_vocabulary(team)
    data = {"review": team.review.pk, "tag": name, "apply": "1"}

    response = admin_client.post(
        reverse("admin:papers_paper_changelist"),
        {"action": "apply_tag_in_review", ACTION_CHECKBOX_NAME: [team.paper.pk], **data},
    )

    assert response.status_code == 200
    assert message in response.text
    assert Tag.objects.count() == MAX_TAGS_PER_REVIEW
    assert not PaperTag.objects.exists()


@pytest.mark.parametrize("name", ["\u3164", "\u2800\u2800", "\u115f\u1160", "\uffa0 \u3164"])
def test_names_of_blank_letters_are_refused(client, team, name):
    response = logged_in(client, team.bob).post(url(team, "tag_add", team.paper.pk), {"name": name}, headers=HTMX)

    assert response.status_code == 422
    assert "visible" in response.text
    assert not Tag.objects.exists()


def test_a_name_that_normalisation_lengthens_past_its_column_says_so(client, team):
    response = logged_in(client, team.bob).post(
        url(team, "tag_add", team.paper.pk), {"name": "\ufdfa" * 12}, headers=HTMX
    )

    assert response.status_code == 422
    assert "too long once normalised" in response.text


def test_the_review_admin_counts_inline_reasons_together_against_the_cap(admin_client, team):
    ExclusionReason.objects.bulk_create(
        [ExclusionReason(review=team.review, label=f"r{n}", position=n) for n in range(MAX_REASONS_PER_REVIEW - 2)]
    )
    page = admin_client.get(reverse("admin:reviews_review_change", args=[team.review.pk]))
    data = {key: value for key, value in _form_data(page) if key}
    existing = MAX_REASONS_PER_REVIEW - 2
    prefix = "exclusion_reasons"
    for n in range(4):
        data[f"{prefix}-{existing + n}-label"] = f"new {n}"
        data[f"{prefix}-{existing + n}-position"] = str(100 + n)
    data[f"{prefix}-TOTAL_FORMS"] = str(existing + 4)

    response = admin_client.post(reverse("admin:reviews_review_change", args=[team.review.pk]), data)

    assert response.status_code == 200
    assert f"at most {MAX_REASONS_PER_REVIEW} exclusion reasons" in response.text
    assert ExclusionReason.objects.count() == MAX_REASONS_PER_REVIEW - 2


def _form_data(response):
    """The (name, value) pairs a browser would submit from the admin change form."""
    context_form = response.context["adminform"].form
    pairs = [(name, field.value()) for name, field in ((n, context_form[n]) for n in context_form.fields)]
    for formset in response.context["inline_admin_formsets"]:
        management = formset.formset.management_form
        pairs += [(management.add_prefix(name), management[name].value()) for name in management.fields]
        for form in formset.formset.forms:
            pairs += [(form.add_prefix(name), form[name].value()) for name in form.fields]
    return [
        (name, "" if value is None else ("on" if value is True else value))
        for name, value in pairs
        if value is not False
    ]
