"""The priority order as lists and screening read it: the positions in order, papers added since the ranking after
the ranked ones (newest first), screening's next paper found by walking the positions (one inner join PostgreSQL
reads by its index); and a retraining writes one place a paper, 1 to N (by COPY on PostgreSQL)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from papers.pagination import ListPaginator
from reviews import annotating, priority, screening
from reviews.models import Membership, PriorityRanking, PriorityScore, ReviewPaper, Role
from tests.factories import make_paper, make_review, make_user

PAPERS = 12


@pytest.fixture
def review(db):
    owner = make_user("alice")
    papers = [
        make_paper(
            f"2301.{number:05d}",
            title=f"Paper {number}",
            abstract="Retrieval-augmented generation." if number % 2 else "Protein folding with transformers.",
        )
        for number in range(PAPERS)
    ]
    review = make_review(papers=papers, members={owner: Role.OWNER})
    membership = Membership.objects.select_related("review", "user").get(review=review, user=owner)
    for paper in papers[:4]:
        decision = "include" if "Retrieval" in paper.abstract else "exclude"
        annotating.decide(membership, paper.pk, decision)
    ranking, _ = PriorityRanking.objects.get_or_create(review=review, user=None)
    priority.retrain(ranking.pk)
    return review


def order_of(review) -> priority.PriorityOrder:
    return priority.PriorityOrder(PriorityRanking.objects.get(review=review, user=None), "")


def listed(review) -> list[tuple[int | None, str]]:
    rows = order_of(review).sort(ReviewPaper.objects.filter(review=review))
    return list(rows.values_list("priority_position", "paper__arxiv_id"))


def test_a_retraining_writes_one_place_a_paper_from_1_to_n(review):
    ranking = PriorityRanking.objects.get(review=review, user=None)
    assert ranking.ready
    scores = PriorityScore.objects.filter(ranking=ranking)
    assert sorted(scores.values_list("position", flat=True)) == list(range(1, PAPERS + 1))
    assert set(scores.values_list("generation", flat=True)) == {ranking.generation}
    assert scores.values("review_paper").distinct().count() == PAPERS


def test_the_list_follows_the_positions(review):
    assert [position for position, _ in listed(review)] == list(range(1, PAPERS + 1))
    # The likeliest includes first: the papers about retrieval lead.
    first_half = ReviewPaper.objects.filter(review=review, priorities__position__lte=PAPERS // 2)
    assert all("Retrieval" in abstract for abstract in first_half.values_list("paper__abstract", flat=True))


def test_the_first_paper_is_found_by_walking_the_positions_with_one_join(review):
    order = order_of(review)
    papers = ReviewPaper.objects.filter(review=review)

    with CaptureQueriesContext(connection) as queries:
        first = order.first_of(papers)

    assert first == order.sort(papers).values_list("paper_id", flat=True).first()
    assert len(queries.captured_queries) == 1
    sql = queries.captured_queries[0]["sql"]
    assert sql.count('JOIN "reviews_priorityscore"') == 1
    assert sql.endswith('ORDER BY "reviews_priorityscore"."position" ASC LIMIT 1')


def test_papers_added_since_the_ranking_come_after_the_ranked_ones_newest_first(review):
    older, newer = make_paper("2302.00001"), make_paper("2405.00001")
    review.add_papers([older.pk, newer.pk])

    rows = listed(review)
    assert [position for position, _ in rows[:PAPERS]] == list(range(1, PAPERS + 1))
    assert rows[PAPERS:] == [(None, "2405.00001"), (None, "2302.00001")]
    # With every ranked paper filtered out, the first is the newest of those added since.
    order, papers = order_of(review), ReviewPaper.objects.filter(review=review)
    assert order.first_of(papers) == order.sort(papers).values_list("paper_id", flat=True).first()
    assert order.first_of(papers.filter(priorities=None)) == newer.pk
    assert order.first_of(papers.filter(paper__in=[older])) == older.pk
    assert order.first_of(papers.none()) is None


def test_a_paper_removed_since_the_ranking_leaves_the_rest_in_order(review):
    second = PriorityScore.objects.get(position=2).review_paper
    second.delete()

    assert [position for position, _ in listed(review)] == [1, *range(3, PAPERS + 1)]


def test_screening_mode_serves_the_likeliest_paper_nobody_has_decided(review):
    owner = Membership.objects.select_related("review", "user").get(review=review, role=Role.OWNER)
    undecided = ReviewPaper.objects.filter(review=review, include_count=0, exclude_count=0)
    expected = order_of(review).sort(undecided).values_list("paper_id", flat=True).first()

    assert screening.next_for(owner, order=order_of(review)) == expected
    assert PriorityScore.objects.get(review_paper__paper_id=expected).position == min(
        PriorityScore.objects.filter(review_paper__in=undecided).values_list("position", flat=True)
    )


def test_a_papers_page_steps_to_its_neighbours_in_the_priority_order_even_once_filtered_out(review, rf):
    from reviews.views.pages import neighbours

    owner = Membership.objects.select_related("review", "user").get(review=review, role=Role.OWNER)
    place = dict(PriorityScore.objects.values_list("position", "review_paper__paper_id"))
    decided = ReviewPaper.objects.filter(review=review, include_count__gt=0).first()
    position = PriorityScore.objects.get(review_paper=decided).position
    request = rf.get("/", {"sort": "priority"})
    request.user = owner.user

    assert neighbours(request, owner, ReviewPaper.objects.get(paper_id=place[2])) == (place[1], place[3])
    # "Not yet screened by me" leaves the decided paper out; Next still goes on from its place.
    request = rf.get("/", {"sort": "priority", "unscreened": "on"})
    request.user = owner.user
    _, following = neighbours(request, owner, decided)
    undecided_after = [
        place[later]
        for later in range(position + 1, PAPERS + 1)
        if not ReviewPaper.objects.filter(paper_id=place[later], include_count__gt=0)
        .union(ReviewPaper.objects.filter(paper_id=place[later], exclude_count__gt=0))
        .exists()
    ]
    assert following == (undecided_after[0] if undecided_after else None)


def test_every_page_read_from_the_ranked_papers_first_is_the_page_of_the_whole_order(review):
    review.add_papers([make_paper("2302.00001").pk, make_paper("2405.00001").pk])
    order = order_of(review)
    whole = order.sort(ReviewPaper.objects.filter(review=review))
    expected = list(whole.values_list("pk", flat=True))
    paginator = ListPaginator(whole, 5, shortlist=lambda limit: order.ranked_first(whole))

    pages = [list(paginator.page(number).object_list) for number in paginator.page_range]

    assert [row.pk for page in pages for row in page] == expected
    # The last page reaches past the ranked papers (12 of 14), and still ends with those added since.
    assert [row.priority_position for row in pages[-1]] == [11, 12, None, None]
    assert len(list(order.ranked_first(whole))) == PAPERS
