"""Every annotation action, tried by every kind of user: owners and reviewers annotate, observers are
refused (403), outsiders never learn the review exists (404), anonymous visitors are sent to log in."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews.models import Comment, PaperTag, Score, ScreeningDecision, Tag

ACTIONS = {
    "tag": ("reviews:tag_add", {"name": "efficiency"}, lambda: PaperTag.objects.count()),
    "score": ("reviews:score", {"value": "4"}, lambda: Score.objects.count()),
    "decide": ("reviews:decide", {"decision": "include"}, lambda: ScreeningDecision.objects.count()),
    "comment": ("reviews:comment_add", {"body": "Relevant."}, lambda: Comment.objects.count()),
}
EXPECTED = {"alice": 200, "bob": 200, "olivia": 403, "eve": 404}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("who", EXPECTED)
def test_each_role_gets_its_answer_and_only_members_who_annotate_change_anything(team, action, who):
    url_name, data, saved = ACTIONS[action]
    client = Client()
    client.force_login(getattr(team, who))

    response = client.post(
        reverse(url_name, args=[team.review.slug, team.paper.pk]), data, headers={"HX-Request": "true"}
    )

    assert response.status_code == EXPECTED[who]
    assert saved() == (1 if EXPECTED[who] == 200 else 0)


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_visitors_are_sent_to_log_in_and_change_nothing(team, action):
    url_name, data, saved = ACTIONS[action]

    response = Client().post(reverse(url_name, args=[team.review.slug, team.paper.pk]), data)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    assert saved() == 0
    assert not Tag.objects.exists()


@pytest.mark.parametrize("who", EXPECTED)
def test_removing_a_tag_follows_the_same_rules(team, who):
    tag = Tag.objects.create(review=team.review, name="efficiency")
    PaperTag.objects.create(review=team.review, paper=team.paper, tag=tag, applied_by=team.bob)
    client = Client()
    client.force_login(getattr(team, who))

    response = client.post(reverse("reviews:tag_remove", args=[team.review.slug, team.paper.pk, tag.pk]))

    assert response.status_code in ((302,) if EXPECTED[who] == 200 else (EXPECTED[who],))
    assert PaperTag.objects.count() == (0 if EXPECTED[who] == 200 else 1)
