import pytest
from django.urls import reverse

from reviews.models import TAG_COLOURS, PaperTag, Tag
from tests.factories import logged_in

HTMX = {"HX-Request": "true"}


def add_tag_url(team, paper=None):
    return reverse("reviews:tag_add", args=[team.review.slug, (paper or team.paper).pk])


def test_a_reviewer_tags_a_paper_with_a_new_tag_and_gets_the_tags_fragment(client, team):
    response = logged_in(client, team.bob).post(add_tag_url(team), {"name": "  Needs   full text "}, headers=HTMX)

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<div class="panel-section panel-tags" id="tags-{team.paper.pk}"')
    assert 'aria-label="Remove my tag Needs full text"' in html
    tag = Tag.objects.get(review=team.review)
    assert tag.name == "Needs full text"
    assert PaperTag.objects.get(tag=tag).applied_by == team.bob


def test_tag_names_are_unique_whatever_their_case_and_spacing(client, team):
    logged_in(client, team.bob).post(add_tag_url(team), {"name": "Efficiency"})
    client.post(add_tag_url(team, team.other_paper), {"name": "  efficiency "})
    client.post(add_tag_url(team), {"name": "EFFICIENCY"})

    assert Tag.objects.filter(review=team.review).count() == 1
    assert PaperTag.objects.filter(review=team.review).count() == 2


def test_without_javascript_adding_a_tag_redirects_back(client, team):
    response = logged_in(client, team.bob).post(add_tag_url(team), {"name": "x", "next": "/reviews/llm-review/?q=a"})

    assert response.status_code == 302
    assert response.url == "/reviews/llm-review/?q=a"


def test_a_next_url_on_another_site_is_ignored(client, team):
    response = logged_in(client, team.bob).post(add_tag_url(team), {"name": "x", "next": "https://evil.example/"})

    assert response.url == f"/reviews/llm-review/papers/{team.paper.arxiv_id}/"


@pytest.mark.parametrize("name", ["", "   ", "x" * 50, "y" * 200])
def test_blank_or_too_long_tag_names_are_refused_and_nothing_is_saved(client, team, name):
    response = logged_in(client, team.bob).post(add_tag_url(team), {"name": name}, headers=HTMX)

    assert response.status_code == 422
    assert 'role="alert"' in response.content.decode()
    assert not Tag.objects.exists()
    assert not PaperTag.objects.exists()


def test_a_refused_tag_without_javascript_shows_the_page_with_the_message(client, team):
    response = logged_in(client, team.bob).post(add_tag_url(team), {"name": "x" * 50})

    assert response.status_code == 422
    html = response.content.decode()
    assert "<html" in html
    assert "Tag names are at most 49 characters." in html


def test_when_owners_turn_new_tags_off_reviewers_can_only_apply_existing_ones(client, team):
    team.review.allow_new_tags = False
    team.review.save()
    Tag.objects.create(review=team.review, name="Benchmark")

    refused = logged_in(client, team.bob).post(add_tag_url(team), {"name": "brand new"}, headers=HTMX)
    accepted = client.post(add_tag_url(team), {"name": "benchmark"}, headers=HTMX)

    assert refused.status_code == 422
    assert "new tags are turned off" in refused.content.decode()
    assert accepted.status_code == 200
    assert list(Tag.objects.values_list("name", flat=True)) == ["Benchmark"]


def test_owners_may_still_create_tags_when_new_tags_are_off(client, team):
    team.review.allow_new_tags = False
    team.review.save()

    response = logged_in(client, team.alice).post(add_tag_url(team), {"name": "scope"}, headers=HTMX)

    assert response.status_code == 200
    assert Tag.objects.filter(name="scope").exists()


def test_a_reviewer_removes_their_own_tag_not_anothers(client, team):
    logged_in(client, team.bob).post(add_tag_url(team), {"name": "efficiency"})
    tag = Tag.objects.get()
    remove_url = reverse("reviews:tag_remove", args=[team.review.slug, team.paper.pk, tag.pk])

    response = logged_in(client, team.dave).post(remove_url, headers=HTMX)

    assert response.status_code == 200
    assert PaperTag.objects.get().applied_by == team.bob, "dave had not applied it, so nothing of his went"

    response = logged_in(client, team.bob).post(remove_url, headers=HTMX)

    assert response.status_code == 200
    assert not PaperTag.objects.exists()
    assert Tag.objects.filter(pk=tag.pk).exists(), "the vocabulary keeps the tag"


def test_an_observer_cannot_tag(client, team):
    response = logged_in(client, team.olivia).post(add_tag_url(team), {"name": "x"}, headers=HTMX)

    assert response.status_code == 403
    assert not Tag.objects.exists()


def test_an_outsider_gets_404(client, team):
    response = logged_in(client, team.eve).post(add_tag_url(team), {"name": "x"}, headers=HTMX)

    assert response.status_code == 404
    assert not Tag.objects.exists()


def test_an_anonymous_visitor_is_sent_to_log_in(client, team):
    response = client.post(add_tag_url(team), {"name": "x"})

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_a_paper_outside_the_review_gets_a_clear_404(client, team):
    from tests.factories import make_paper

    stray = make_paper("2301.00042")

    response = logged_in(client, team.bob).post(add_tag_url(team, stray), {"name": "x"}, headers=HTMX)

    assert response.status_code == 404
    assert "no longer part of" in response.content.decode()
    assert not Tag.objects.exists()


def test_tag_names_cannot_inject_markup(client, team):
    response = logged_in(client, team.bob).post(
        add_tag_url(team), {"name": '<img src=x onerror="alert(1)">'}, headers=HTMX
    )

    html = response.content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html


def test_posts_need_the_csrf_token(team):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team.bob)

    response = client.post(add_tag_url(team), {"name": "x"})

    assert response.status_code == 403
    assert not Tag.objects.exists()


def test_tagging_takes_a_fixed_number_of_queries(client, team, django_assert_max_num_queries):
    logged_in(client, team.bob)
    for name in ["a", "b", "c"]:
        client.post(add_tag_url(team), {"name": name})

    with django_assert_max_num_queries(19):
        client.post(add_tag_url(team), {"name": "d"}, headers=HTMX)


def test_swapped_forms_send_plain_posts_back_to_the_page_not_the_fragment(client, team):
    page = f"http://testserver/reviews/{team.review.slug}/?status=undecided"

    response = logged_in(client, team.bob).post(
        add_tag_url(team), {"name": "x"}, headers={**HTMX, "HX-Current-URL": page}
    )

    html = response.content.decode()
    # Back to the page, at the paper acted on.
    assert f'name="next" value="/reviews/llm-review/?status=undecided#paper-{team.paper.pk}"' in html
    assert "annotate" not in html.split('name="next" value="')[1].split('"')[0]


def test_a_named_tag_is_found_whatever_its_case_and_spacing_or_else_created(team):
    existing = Tag.objects.create(review=team.review, name="Vision Models")

    found, found_created = Tag.objects.get_or_create_named(team.review, "  vision   MODELS ")
    new, new_created = Tag.objects.get_or_create_named(team.review, " Speech  ", user=team.bob)

    assert (found, found_created) == (existing, False)
    assert (new.name, new.created_by, new_created) == ("Speech", team.bob, True)
    assert new.colour == TAG_COLOURS[1], "new tags take the next colour in turn"
