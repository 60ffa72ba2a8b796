import pytest
from django.urls import reverse

from reviews import annotating
from reviews.filters import ReviewPaperFilter
from reviews.models import Membership, ReviewPaper, Role, Tag
from tests.factories import logged_in, make_paper, make_review

HTMX = {"HX-Request": "true"}


def list_url(team):
    return reverse("reviews:paper_list", args=[team.review.slug])


def listed(response) -> list[str]:
    return [rp.paper.arxiv_id for rp in response.context["page"].object_list]


def annotate(team, user, paper, *, decision=None, score=None, tags=(), comments=0):
    membership = Membership.objects.select_related("review", "user").get(review=team.review, user=user)
    if decision:
        annotating.decide(membership, paper.pk, decision)
    if score:
        annotating.set_score(membership, paper.pk, score)
    for tag in tags:
        annotating.apply_tag(membership, paper.pk, tag.name)
    for n in range(comments):
        annotating.add_comment(membership, paper.pk, f"c{n}")


def test_home_lists_only_my_reviews_with_progress(client, team):
    make_review("secret-review")
    annotate(team, team.bob, team.paper, decision="include")
    annotate(team, team.dave, team.other_paper, decision="exclude")

    response = logged_in(client, team.bob).get(reverse("reviews:home"))

    html = response.content.decode()
    assert [review.slug for review in response.context["reviews"]] == ["llm-review"]
    assert "Secret Review" not in html
    review = response.context["reviews"][0]
    assert (review.paper_total, review.screened_by_me, review.screened_by_team) == (2, 1, 2)


def test_home_needs_a_login(client):
    response = client.get(reverse("reviews:home"))

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("who", ["alice", "bob", "olivia"])
def test_members_in_every_role_see_the_review_list(client, team, who):
    response = logged_in(client, getattr(team, who)).get(list_url(team))

    assert response.status_code == 200
    assert set(listed(response)) == {"2305.06500", "2201.11903"}


def test_observers_see_no_annotation_forms(client, team):
    html = logged_in(client, team.olivia).get(list_url(team)).content.decode()

    assert 'aria-label="Score 1"' not in html
    assert ">Include</button>" not in html


def test_reviewers_see_accessible_controls(client, team):
    html = logged_in(client, team.bob).get(list_url(team)).content.decode()

    for name in ["Score 1", "Score 5", "Add tag", "Exclusion reason"]:
        assert f'aria-label="{name}"' in html or name == "Exclusion reason"
    for button in ["Include", "Maybe", "Exclude"]:
        assert f">{button}</button>" in html


def test_outsiders_get_404_for_every_page_of_a_review(client, team):
    logged_in(client, team.eve)
    rp = team.review.review_papers.get(paper=team.paper)

    assert client.get(list_url(team)).status_code == 404
    assert client.get(rp.get_absolute_url()).status_code == 404
    assert client.get(reverse("reviews:comments", args=[team.review.slug, team.paper.pk])).status_code == 404


def test_the_list_filters_by_team_status_and_my_decision(client, team):
    annotate(team, team.bob, team.paper, decision="include")
    annotate(team, team.dave, team.paper, decision="exclude")
    annotate(team, team.bob, team.other_paper, decision="maybe")
    logged_in(client, team.bob)

    assert listed(client.get(list_url(team), {"status": "conflict"})) == ["2305.06500"]
    assert listed(client.get(list_url(team), {"my_decision": "maybe"})) == ["2201.11903"]
    assert listed(logged_in(client, team.dave).get(list_url(team), {"unscreened": "on"})) == ["2201.11903"]


def test_the_list_filters_by_tags_any_all_and_none(client, team):
    efficiency = Tag.objects.create(review=team.review, name="efficiency")
    prompting = Tag.objects.create(review=team.review, name="prompting")
    annotate(team, team.bob, team.paper, tags=[efficiency, prompting])
    annotate(team, team.bob, team.other_paper, tags=[prompting])
    logged_in(client, team.bob)
    both = [efficiency.pk, prompting.pk]

    assert set(listed(client.get(list_url(team), {"tags": both, "tag_match": "any"}))) == {
        "2305.06500",
        "2201.11903",
    }
    assert listed(client.get(list_url(team), {"tags": both, "tag_match": "all"})) == ["2305.06500"]
    assert listed(client.get(list_url(team), {"tags": [efficiency.pk], "tag_match": "none"})) == ["2201.11903"]


def test_a_tag_of_another_review_is_a_form_error(client, team):
    foreign = Tag.objects.create(review=make_review("other"), name="theirs")

    response = logged_in(client, team.bob).get(list_url(team), {"tags": [foreign.pk]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()


def test_the_list_filters_by_scores_and_comments(client, team):
    annotate(team, team.bob, team.paper, score=5, comments=2)
    annotate(team, team.dave, team.paper, score=3)
    annotate(team, team.bob, team.other_paper, score=2)
    logged_in(client, team.bob)

    assert listed(client.get(list_url(team), {"my_score_min": "4"})) == ["2305.06500"]
    assert listed(client.get(list_url(team), {"my_score_max": "2"})) == ["2201.11903"]
    assert listed(client.get(list_url(team), {"mean_min": "3.5"})) == ["2305.06500"]
    assert listed(client.get(list_url(team), {"mean_max": "3"})) == ["2201.11903"]
    assert listed(client.get(list_url(team), {"has_comments": "true"})) == ["2305.06500"]


def test_the_list_sorts_by_mean_score_and_discussion(client, team):
    third = make_paper("2312.00001")
    team.review.add_papers([third.pk])
    annotate(team, team.bob, team.other_paper, score=5)
    annotate(team, team.bob, team.paper, score=2, comments=3)
    logged_in(client, team.bob)

    assert listed(client.get(list_url(team), {"sort": "mean_score"})) == ["2201.11903", "2305.06500", "2312.00001"]
    assert listed(client.get(list_url(team), {"sort": "discussed"}))[0] == "2305.06500"
    assert listed(client.get(list_url(team), {"sort": "oldest"})) == ["2201.11903", "2305.06500", "2312.00001"]


def test_the_list_searches_like_the_corpus(client, team):
    response = logged_in(client, team.bob).get(list_url(team), {"q": "prompting"})

    assert listed(response) == ["2201.11903"]


def test_an_htmx_filter_request_gets_the_results_fragment(client, team):
    response = logged_in(client, team.bob).get(list_url(team), {"status": "undecided"}, headers=HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith('<section id="results"')
    assert '<form class="filters' not in html


def test_the_list_takes_a_fixed_number_of_queries(client, team, django_assert_max_num_queries):
    tag = Tag.objects.create(review=team.review, name="efficiency")
    for number in range(40):
        paper = make_paper(f"2302.{number:05d}", title=f"Paper {number}")
        team.review.add_papers([paper.pk])
        annotate(team, team.bob, paper, score=number % 5 + 1, tags=[tag], decision="include", comments=1)
    logged_in(client, team.bob)

    # session, user, membership, tags, categories, count, the page's ids, its rows, applied tags, reasons
    with django_assert_max_num_queries(10):
        client.get(list_url(team))
    with django_assert_max_num_queries(10):
        client.get(list_url(team), {"q": "paper", "tags": [tag.pk], "status": "included", "page": 2})


def test_the_review_paper_page_shows_panel_and_thread(client, team):
    annotate(team, team.dave, team.paper, comments=1)
    rp = team.review.review_papers.get(paper=team.paper)

    response = logged_in(client, team.bob).get(rp.get_absolute_url())

    html = response.content.decode()
    assert response.status_code == 200
    assert "Vision-language instruction tuning" in html
    assert '<label for="comment-body-' in html and ">Comment</label>" in html
    assert "c0" in html


def test_a_paper_outside_the_review_has_no_page_in_it(client, team):
    stray = make_paper("2301.00042")

    response = logged_in(client, team.bob).get(reverse("reviews:paper", args=[team.review.slug, stray.arxiv_id]))

    assert response.status_code == 404


def test_memberships_are_per_review(client, team):
    other = make_review("other", papers=[team.paper], members={team.eve: Role.OWNER})

    assert logged_in(client, team.bob).get(reverse("reviews:paper_list", args=[other.slug])).status_code == 404


def test_opening_the_list_resumes_at_the_page_of_my_first_unscreened_paper(client, team):
    papers = [make_paper(f"2401.{number:05d}") for number in range(60)]
    team.review.add_papers([paper.pk for paper in papers])
    newest_first = sorted(papers, key=lambda paper: paper.arxiv_id, reverse=True)
    for paper in newest_first[:30]:
        annotate(team, team.bob, paper, decision="exclude")
    logged_in(client, team.bob)

    opened = client.get(list_url(team), {"status": "", "sort": "newest"})
    resumed = client.get(opened.url)

    assert opened.status_code == 302
    assert opened.url == f"{list_url(team)}?status=&sort=newest&page=2"
    assert listed(resumed)[5] == newest_first[30].arxiv_id
    assert all(rp.my_decision for rp in resumed.context["page"].object_list[:5])
    assert client.get(list_url(team), {"page": 1}).status_code == 200, "an asked-for page is never moved"
    assert client.get(list_url(team), {"sort": "oldest"}).status_code == 200, "page 1 holds unscreened papers"


def test_the_list_stays_on_page_one_when_i_have_screened_everything(client, team):
    for number in range(30):
        team.review.add_papers([make_paper(f"2401.{number:05d}").pk])
    for review_paper in team.review.review_papers.select_related("paper"):
        annotate(team, team.bob, review_paper.paper, decision="include")

    response = logged_in(client, team.bob).get(list_url(team))

    assert response.status_code == 200
    assert response.context["page"].number == 1


def test_a_list_of_my_own_decisions_is_not_moved(client, team, django_assert_max_num_queries):
    for number in range(30):
        paper = make_paper(f"2401.{number:05d}")
        team.review.add_papers([paper.pk])
        annotate(team, team.bob, paper, decision="include")
    logged_in(client, team.bob)

    with django_assert_max_num_queries(10):
        response = client.get(list_url(team), {"my_decision": "include"})

    assert response.status_code == 200
    assert response.context["page"].number == 1


@pytest.mark.parametrize("sort", ["newest", "oldest", "discussed"])
def test_neighbours_by_columns_agree_with_the_listed_order(client, team, sort):
    for number, month in enumerate(["2301", "2301", "2302", "2303", "2303", "2303"]):
        paper = make_paper(f"{month}.{number:05d}")
        team.review.add_papers([paper.pk])
        if number % 3 == 0:
            annotate(team, team.bob, paper, comments=number % 2 + 1)
    listed_ids = [
        rp.paper_id
        for rp in logged_in(client, team.bob).get(list_url(team), {"sort": sort}).context["page"].object_list
    ]
    filterset = ReviewPaperFilter(
        {"sort": sort},
        queryset=ReviewPaper.objects.filter(review=team.review).order_by("-paper__submitted_month", "-paper__arxiv_id"),
        review=team.review,
        user=team.bob,
        tags=Tag.objects.none(),
    )

    for index, paper_id in enumerate(listed_ids):
        row = ReviewPaper.objects.get(review=team.review, paper_id=paper_id)
        expected = (
            listed_ids[index - 1] if index > 0 else None,
            listed_ids[index + 1] if index + 1 < len(listed_ids) else None,
        )
        assert filterset.qs.neighbours_of(row) == expected
