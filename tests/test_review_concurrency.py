"""Two reviewers acting on one paper at the same moment: nothing is lost, nothing raises."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from reviews.models import ExclusionReason, PaperTag, ReviewPaper, Score, ScreeningDecision, Tag
from tests import concurrency

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
    ),
]


@pytest.fixture(autouse=True)
def summaries_agree_afterwards(db):
    yield
    call_command("check_summaries")  # raises CommandError if any paper's summary disagrees with its rows


def post_all_at_once(requests):
    """As htmx would send them: the annotation views answer with fragments."""
    return concurrency.post_all_at_once(requests, headers={"HX-Request": "true"})


def test_two_reviewers_creating_the_same_new_tag_at_once_share_one_tag(team):
    url = reverse("reviews:tag_add", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once([(team.bob, url, {"name": "Efficiency"}), (team.dave, url, {"name": "efficiency "})])

    assert statuses == [200, 200]
    assert Tag.objects.filter(review=team.review).count() == 1
    applied = PaperTag.objects.filter(review=team.review, paper=team.paper)
    assert sorted(applied.values_list("applied_by__username", flat=True)) == ["bob", "dave"], "one assignment each"


def test_simultaneous_scores_and_decisions_are_all_kept_and_summed_up(team):
    score = reverse("reviews:score", args=[team.review.slug, team.paper.pk])
    decide = reverse("reviews:decide", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once(
        [
            (team.bob, score, {"value": "2"}),
            (team.dave, score, {"value": "4"}),
            (team.alice, score, {"value": "5"}),
            (team.bob, decide, {"decision": "include"}),
            (team.dave, decide, {"decision": "exclude"}),
        ]
    )

    assert statuses == [200] * 5
    summary = ReviewPaper.objects.get(review=team.review, paper=team.paper)
    assert Score.objects.filter(paper=team.paper).count() == 3
    assert (summary.score_count, summary.score_min, summary.score_max) == (3, 2, 5)
    assert ScreeningDecision.objects.filter(paper=team.paper).count() == 2
    assert summary.team_status == "conflict"


def test_a_double_submitted_score_leaves_one_row(team):
    url = reverse("reviews:score", args=[team.review.slug, team.paper.pk])

    statuses = post_all_at_once([(team.bob, url, {"value": "3"}), (team.bob, url, {"value": "3"})])

    assert statuses == [200, 200]
    assert Score.objects.filter(user=team.bob).count() == 1


@pytest.mark.parametrize("allow_new_tags", [True, False])
def test_an_owner_deleting_a_tag_while_reviewers_apply_it_never_fails(team, allow_new_tags):
    team.review.allow_new_tags = allow_new_tags
    team.review.save()
    add = [reverse("reviews:tag_add", args=[team.review.slug, paper.pk]) for paper in (team.paper, team.other_paper)]
    for attempt in range(6):
        tag = Tag.objects.create(review=team.review, name=f"Doomed {attempt}")
        delete = reverse("reviews:settings_tag_delete", args=[team.review.slug, tag.pk])

        statuses = post_all_at_once(
            [
                (team.bob, add[0], {"name": tag.name}),
                (team.alice, delete, {"confirm": "on"}),
                (team.dave, add[1], {"name": tag.name}),
            ]
        )

        assert statuses[1] == 302, "the deletion went through"
        assert {statuses[0], statuses[2]} <= {200, 409, 422}, statuses
        assert not Tag.objects.filter(pk=tag.pk).exists()
    assert not PaperTag.objects.exclude(tag__in=Tag.objects.all()).exists()


def test_an_owner_deleting_a_reason_while_reviewers_exclude_with_it_never_fails(team):
    decide = [reverse("reviews:decide", args=[team.review.slug, paper.pk]) for paper in (team.paper, team.other_paper)]
    for attempt in range(6):
        reason = ExclusionReason.objects.create(review=team.review, label=f"Doomed {attempt}")
        delete = reverse("reviews:settings_reason_delete", args=[team.review.slug, reason.pk])
        excluding = {"decision": "exclude", "reason": reason.pk}

        statuses = post_all_at_once(
            [(team.bob, decide[0], excluding), (team.alice, delete, {}), (team.dave, decide[1], excluding)]
        )

        assert statuses[1] == 302, "the deletion went through"
        assert {statuses[0], statuses[2]} <= {200, 409, 422}, statuses
        assert not ScreeningDecision.objects.filter(reason_id=reason.pk).exists()
