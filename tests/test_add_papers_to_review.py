"""Adding the corpus list's filtered papers to a review, and an import batch's papers from the admin."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from papers.models import ImportBatch
from reviews.models import Review, ReviewPaper, Role
from tests.factories import logged_in, make_paper, make_review, make_user

LIST_URL = reverse("papers:list")
ADD_URL = reverse("reviews:add_filtered_papers")


@pytest.fixture
def corpus(team):
    """Beside the team's two papers: three cs.CL papers from 2024 (one already in the review) and one cs.CV."""
    team.clean = [
        make_paper(f"2401.0000{n}", primary_category="cs.CL", title=f"Agents {n}", abstract=f"Agents number {n}.")
        for n in range(1, 4)
    ]
    team.vision = make_paper("2402.00001", primary_category="cs.CV", abstract="Pictures of agents.")
    team.review.add_papers([team.clean[0].pk])
    team.second = make_review("second-review", members={team.alice: Role.OWNER, team.bob: Role.OWNER})
    return team


def in_review(review):
    return set(ReviewPaper.objects.filter(review=review).values_list("paper__arxiv_id", flat=True))


def test_an_owner_sees_the_form_with_the_filtered_count_and_their_own_reviews(client, corpus):
    response = logged_in(client, corpus.alice).get(LIST_URL, {"category": "cs.CL", "page": "1"})

    assert response.context["page"].paginator.count == 3
    assert "Add these 3 papers to review" in response.text
    assert '<input type="hidden" name="category" value="cs.CL">' in response.text
    assert 'name="page"' not in response.text.split('class="add-papers-form"')[1].split("</form>")[0]
    assert f'<option value="{corpus.review.pk}">Llm Review</option>' in response.text
    assert "Second Review" in response.text


def test_the_form_comes_with_the_htmx_fragment_so_it_follows_the_filters(client, corpus):
    response = logged_in(client, corpus.alice).get(LIST_URL, {"category": "cs.CV"}, headers={"HX-Request": "true"})

    assert response.text.lstrip().startswith('<section id="results"')
    assert "Add this paper to review" in response.text


def test_members_who_own_no_review_get_no_form_but_a_way_to_start_one(client, corpus):
    for user in (corpus.dave, corpus.olivia, corpus.eve):
        response = logged_in(client, user).get(LIST_URL)

        assert 'class="add-papers-form"' not in response.text
        assert reverse("reviews:create") in response.text


def test_it_adds_exactly_the_filtered_set_and_counts_what_was_already_there(client, corpus):
    logged_in(client, corpus.alice)

    response = client.post(ADD_URL, {"category": "cs.CL", "month_from": "2024-01", "review": corpus.review.pk})

    assert response.status_code == 302
    assert response.url == f"{LIST_URL}?category=cs.CL&month_from=2024-01"
    assert in_review(corpus.review) == {"2305.06500", "2201.11903", "2401.00001", "2401.00002", "2401.00003"}
    page = client.get(response.url)
    assert "Added 2 papers to “Llm Review”; 1 was already in it." in page.text


def test_a_search_filter_adds_only_its_matches(client, corpus):
    logged_in(client, corpus.bob).post(ADD_URL, {"q": "pictures", "review": corpus.second.pk})

    assert in_review(corpus.second) == {"2402.00001"}


def test_no_filters_add_the_whole_corpus(client, corpus):
    logged_in(client, corpus.alice).post(ADD_URL, {"review": corpus.second.pk})

    assert len(in_review(corpus.second)) == 6


@pytest.mark.parametrize("who", ["bob", "olivia", "eve"])
def test_only_owners_of_the_review_can_add_to_it(client, corpus, who):
    before = in_review(corpus.review)

    response = logged_in(client, getattr(corpus, who)).post(ADD_URL, {"review": corpus.review.pk})

    assert response.status_code == 302
    assert in_review(corpus.review) == before
    assert "Choose one of the reviews you own." in client.get(response.url).text


def test_anonymous_visitors_are_sent_to_log_in(client, corpus):
    response = client.post(ADD_URL, {"review": corpus.review.pk})

    assert response.status_code == 302
    assert reverse("login") in response.url
    assert len(in_review(corpus.review)) == 3


def test_invalid_filters_add_nothing_and_say_so(client, corpus):
    before = in_review(corpus.second)

    response = logged_in(client, corpus.alice).post(ADD_URL, {"month_from": "not a month", "review": corpus.second.pk})

    assert in_review(corpus.second) == before
    assert "Nothing was added" in client.get(response.url).text


def test_the_list_gains_only_one_query_for_the_form(client, corpus, django_assert_max_num_queries):
    logged_in(client, corpus.alice)
    with django_assert_max_num_queries(7):
        client.get(LIST_URL, {"q": "agents", "category": "cs.CL"})


# The admin, right after an upload.


@pytest.fixture
def batch(team):
    curator = make_user("curator")
    batch = ImportBatch.objects.create(file_name="new.ris", format="ris", imported_by=curator)
    batch.papers.add(team.paper, make_paper("2403.00001"), make_paper("2403.00002"))
    team.batch = batch
    return team


def batch_url(batch, name="add_to_review"):
    return reverse(f"admin:papers_importbatch_{name}", args=[batch.pk])


def test_the_batch_page_an_upload_lands_on_links_to_adding_its_papers(admin_client, batch):
    response = admin_client.get(batch_url(batch.batch, "change"))

    assert batch_url(batch.batch) in response.text
    assert "Add these papers to a review" in response.text


def test_a_curator_adds_a_batchs_papers_to_a_review(admin_client, batch):
    page = admin_client.get(batch_url(batch.batch))
    assert "3 papers came in" in page.text

    response = admin_client.post(batch_url(batch.batch), {"review": batch.review.pk})

    assert response.status_code == 302
    assert response.url == batch_url(batch.batch, "change")
    assert in_review(batch.review) == {"2305.06500", "2201.11903", "2403.00001", "2403.00002"}
    assert "Added 2 paper(s) of new.ris to “Llm Review”; 1 were already in it." in admin_client.get(response.url).text


def test_staff_who_may_not_change_papers_get_no_link_and_a_403(client, batch):
    clerk = make_user("clerk")
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_importbatch"))
    logged_in(client, clerk)

    assert batch_url(batch.batch) not in client.get(batch_url(batch.batch, "change")).text
    assert client.get(batch_url(batch.batch)).status_code == 403
    assert client.post(batch_url(batch.batch), {"review": batch.review.pk}).status_code == 403
    assert len(in_review(batch.review)) == 2


def test_an_unknown_batch_is_a_404(admin_client, batch):
    assert admin_client.get(reverse("admin:papers_importbatch_add_to_review", args=[10**9])).status_code == 404
    assert Review.objects.count() == 1
