import pytest
from django.urls import reverse

from reviews.models import ExclusionReason, ReviewPaper, Score, ScreeningDecision, TeamStatus
from tests.factories import logged_in, make_review

HTMX = {"HX-Request": "true"}


def score_url(team):
    return reverse("reviews:score", args=[team.review.slug, team.paper.pk])


def decide_url(team):
    return reverse("reviews:decide", args=[team.review.slug, team.paper.pk])


def summary(team) -> ReviewPaper:
    return ReviewPaper.objects.get(review=team.review, paper=team.paper)


def test_a_reviewer_scores_a_paper_and_gets_the_score_fragment(client, team):
    response = logged_in(client, team.bob).post(score_url(team), {"value": "4"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div class="panel-section panel-score" id="score-{team.paper.pk}"')
    assert 'aria-label="Score 4" data-key="4"\n                aria-pressed="true"' in html
    assert Score.objects.get(user=team.bob).value == 4


def test_the_team_sees_mean_count_and_spread(client, team):
    logged_in(client, team.bob).post(score_url(team), {"value": "2"})
    response = logged_in(client, team.dave).post(score_url(team), {"value": "5"}, headers=HTMX)

    rp = summary(team)
    assert (rp.score_count, rp.score_mean, rp.score_spread) == (2, 3.5, 3)
    assert "Team mean <strong>3.5</strong> from 2 scores, spread 3" in response.content.decode()


def test_a_reviewer_changes_then_clears_their_score(client, team):
    logged_in(client, team.bob).post(score_url(team), {"value": "2"})
    client.post(score_url(team), {"value": "3"})
    assert Score.objects.get(user=team.bob).value == 3

    client.post(score_url(team), {"value": ""})

    assert not Score.objects.exists()
    assert summary(team).score_count == 0
    assert summary(team).score_mean is None


@pytest.mark.parametrize("value", ["0", "6", "abc", "3.5", "-1"])
def test_scores_outside_1_to_5_are_refused_and_nothing_is_saved(client, team, value):
    logged_in(client, team.bob).post(score_url(team), {"value": "2"})

    response = client.post(score_url(team), {"value": value}, headers=HTMX)

    assert response.status_code == 422
    assert "A score is a whole number from 1 to 5." in response.content.decode()
    assert Score.objects.get(user=team.bob).value == 2


def test_an_observer_cannot_score_and_an_outsider_gets_404(client, team):
    assert logged_in(client, team.olivia).post(score_url(team), {"value": "3"}).status_code == 403
    assert logged_in(client, team.eve).post(score_url(team), {"value": "3"}).status_code == 404
    assert not Score.objects.exists()


def test_one_reviewer_never_changes_another_reviewers_score(client, team):
    logged_in(client, team.bob).post(score_url(team), {"value": "1"})

    logged_in(client, team.dave).post(score_url(team), {"value": "5"})
    client.post(score_url(team), {"value": ""})

    assert Score.objects.get().user == team.bob
    assert Score.objects.get().value == 1


def test_a_reviewer_includes_a_paper(client, team):
    response = logged_in(client, team.bob).post(decide_url(team), {"decision": "include"}, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith(f'<div class="panel-section panel-decision" id="decision-{team.paper.pk}"')
    assert ScreeningDecision.objects.get().decision == "include"
    assert summary(team).team_status == TeamStatus.INCLUDED


def test_disagreeing_reviewers_make_a_conflict_and_agreement_resolves_it(client, team):
    logged_in(client, team.bob).post(decide_url(team), {"decision": "include"})
    logged_in(client, team.dave).post(decide_url(team), {"decision": "exclude"})
    assert summary(team).team_status == TeamStatus.CONFLICT

    client.post(decide_url(team), {"decision": "include"})

    assert summary(team).team_status == TeamStatus.INCLUDED
    assert summary(team).include_count == 2


def test_a_maybe_beside_an_include_is_a_conflict_too(client, team):
    logged_in(client, team.bob).post(decide_url(team), {"decision": "include"})
    logged_in(client, team.dave).post(decide_url(team), {"decision": "maybe"})

    assert summary(team).team_status == TeamStatus.CONFLICT


def test_an_exclude_carries_a_reason_from_the_reviews_list(client, team):
    reason = ExclusionReason.objects.create(review=team.review, label="Off topic")

    logged_in(client, team.bob).post(decide_url(team), {"decision": "exclude", "reason": reason.pk})

    assert ScreeningDecision.objects.get().reason == reason


def test_a_reason_on_an_include_is_dropped(client, team):
    reason = ExclusionReason.objects.create(review=team.review, label="Off topic")

    logged_in(client, team.bob).post(decide_url(team), {"decision": "include", "reason": reason.pk})

    assert ScreeningDecision.objects.get().reason is None


def test_a_reason_from_another_review_is_refused(client, team):
    elsewhere = make_review("elsewhere")
    foreign = ExclusionReason.objects.create(review=elsewhere, label="Theirs")

    response = logged_in(client, team.bob).post(
        decide_url(team), {"decision": "exclude", "reason": foreign.pk}, headers=HTMX
    )

    assert response.status_code == 422
    assert not ScreeningDecision.objects.exists()


@pytest.mark.parametrize("decision", ["accept", "INCLUDE", "1", "<script>"])
def test_unknown_decisions_are_refused_and_nothing_is_saved(client, team, decision):
    response = logged_in(client, team.bob).post(decide_url(team), {"decision": decision}, headers=HTMX)

    assert response.status_code == 422
    assert "Decide include, maybe or exclude." in response.content.decode()
    assert not ScreeningDecision.objects.exists()
    assert summary(team).team_status == TeamStatus.UNDECIDED


def test_clearing_a_decision_returns_the_paper_to_undecided(client, team):
    logged_in(client, team.bob).post(decide_url(team), {"decision": "maybe"})

    client.post(decide_url(team), {"decision": ""})

    assert not ScreeningDecision.objects.exists()
    assert summary(team).team_status == TeamStatus.UNDECIDED


def test_an_observer_cannot_decide(client, team):
    assert logged_in(client, team.olivia).post(decide_url(team), {"decision": "include"}).status_code == 403
    assert not ScreeningDecision.objects.exists()


def test_scoring_and_deciding_take_a_fixed_number_of_queries(client, team, django_assert_max_num_queries):
    logged_in(client, team.bob)
    # Session, user, membership, locked row, the write, the summary, the fragment; savepoints count too.
    with django_assert_max_num_queries(20):
        client.post(score_url(team), {"value": "3"}, headers=HTMX)
    with django_assert_max_num_queries(20):
        client.post(decide_url(team), {"decision": "include"}, headers=HTMX)


def test_deleting_a_user_refreshes_the_summaries_of_the_papers_they_annotated(client, team):
    logged_in(client, team.bob).post(decide_url(team), {"decision": "include"})
    client.post(score_url(team), {"value": "5"})
    logged_in(client, team.dave).post(decide_url(team), {"decision": "exclude"})
    client.post(score_url(team), {"value": "1"})
    assert summary(team).team_status == TeamStatus.CONFLICT

    team.dave.delete()

    rp = summary(team)
    assert (rp.team_status, rp.include_count, rp.exclude_count) == (TeamStatus.INCLUDED, 1, 0)
    assert (rp.score_count, rp.score_mean, rp.score_min, rp.score_max) == (1, 5, 5, 5)


def test_a_reason_deleted_since_the_page_was_drawn_does_not_block_other_decisions(client, team):
    reason = ExclusionReason.objects.create(review=team.review, label="Off topic")
    stale = reason.pk
    reason.delete()
    logged_in(client, team.bob)

    included = client.post(decide_url(team), {"decision": "include", "reason": stale}, headers=HTMX)
    excluded = client.post(decide_url(team), {"decision": "exclude", "reason": stale}, headers=HTMX)

    assert included.status_code == 200
    assert excluded.status_code == 409
    assert "was just deleted; choose another" in excluded.text
    assert ScreeningDecision.objects.get().decision == "include"


def test_a_plain_post_from_the_list_comes_back_to_the_paper_acted_on(client, team):
    page = logged_in(client, team.bob).get(f"/reviews/{team.review.slug}/?page=1").text
    next_value = f"/reviews/{team.review.slug}/?page=1#paper-{team.paper.pk}"
    assert f'name="next" value="{next_value}"' in page

    response = client.post(decide_url(team), {"decision": "include", "next": next_value})

    assert response.status_code == 302
    assert response.url == next_value
