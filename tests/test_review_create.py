"""Creating a review from the app: any logged-in user, who becomes its owner and lands on it."""

import pytest
from django.urls import reverse

from reviews.models import Membership, Review, Role
from tests.factories import logged_in, make_review, make_user

CREATE_URL = reverse("reviews:create")
DETAILS = {
    "title": "LLM Agents for Science",
    "research_question": "Do agents help?",
    "inclusion_criteria": "Agents.",
    "exclusion_criteria": "Surveys.",
}


def test_the_home_page_links_to_a_new_review(client, db):
    response = logged_in(client, make_user("zoe")).get(reverse("reviews:home"))

    assert f'href="{CREATE_URL}"' in response.text


def test_any_logged_in_user_creates_a_review_owns_it_and_lands_on_it(client, team):
    for user in (team.alice, team.bob, team.olivia, team.eve):
        response = logged_in(client, user).post(CREATE_URL, {**DETAILS, "title": f"Agents of {user}"})

        review = Review.objects.get(title=f"Agents of {user}")
        assert response.status_code == 302
        assert response.url == review.get_absolute_url()
        assert list(review.memberships.values_list("user__username", "role")) == [(user.username, Role.OWNER)]
        assert review.research_question == "Do agents help?"
        assert review.exclusion_criteria == "Surveys."
        page = client.get(response.url)
        assert page.status_code == 200
        assert "you are its owner" in page.text


def test_the_slug_comes_from_the_title_and_a_taken_one_gets_a_suffix(client, db):
    zoe = make_user("zoe")
    make_review("llm-agents-for-science")
    logged_in(client, zoe)

    client.post(CREATE_URL, DETAILS)
    client.post(CREATE_URL, DETAILS)

    slugs = set(Review.objects.filter(title=DETAILS["title"]).values_list("slug", flat=True))
    assert slugs == {"llm-agents-for-science-2", "llm-agents-for-science-3"}
    assert Membership.objects.filter(user=zoe, role=Role.OWNER).count() == 2


def test_a_title_without_latin_letters_still_gets_a_slug(client, db):
    logged_in(client, make_user("zoe")).post(CREATE_URL, {"title": "大语言模型"})
    logged_in(client, make_user("yan")).post(CREATE_URL, {"title": "!!!"})

    assert sorted(Review.objects.values_list("slug", flat=True)) == ["review", "review-2"]


@pytest.mark.parametrize("title", ["", "   ", "x" * 201])
def test_a_missing_or_too_long_title_is_refused_and_nothing_is_created(client, db, title):
    response = logged_in(client, make_user("zoe")).post(CREATE_URL, {**DETAILS, "title": title})

    assert response.status_code == 422
    assert response.context["form"].errors["title"]
    assert not Review.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    for response in (client.get(CREATE_URL), client.post(CREATE_URL, DETAILS)):
        assert response.status_code == 302
        assert reverse("login") in response.url
    assert not Review.objects.exists()


def test_the_form_works_without_javascript(client, db):
    response = logged_in(client, make_user("zoe")).get(CREATE_URL)

    assert response.status_code == 200
    assert f'<form class="settings-form" method="post" action="{CREATE_URL}">' in response.text
