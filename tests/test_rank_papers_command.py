"""`manage.py rank_papers`: the priority order retrained from the command line, printed best first."""

import pytest
from django.core.management import CommandError, call_command

from reviews import annotating
from reviews.models import Membership, PriorityRanking, Role
from tests.factories import make_paper, make_review, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(db):
    owner, bob = make_user("owner"), make_user("bob")
    graphs = [make_paper(title=f"Graph neural networks for proteins {n}", abstract="graphs proteins") for n in range(4)]
    robots = [make_paper(title=f"Robot control by reinforcement {n}", abstract="robots rewards") for n in range(4)]
    review = make_review(papers=[*graphs, *robots], members={owner: Role.OWNER, bob: Role.REVIEWER}, blind=True)
    bob_member = Membership.objects.select_related("review").get(review=review, user=bob)
    annotating.decide(bob_member, graphs[0].pk, "include")
    annotating.decide(bob_member, robots[0].pk, "exclude")
    review.graphs, review.robots = graphs, robots
    return review


def run(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("rank_papers", *args, stdout=out)
    return out.getvalue()


def test_it_ranks_the_teams_order_and_prints_the_likeliest_first(review):
    output = run(review.slug, "--top", "3", "--unscreened")

    lines = output.splitlines()
    assert lines[0].startswith(f"{review.slug}, the team's order: ranked 8 papers from 1 include")
    printed = lines[1:]
    assert len(printed) == 3
    assert all("Graph neural networks for proteins" in line for line in printed)
    assert "proteins 0" not in output  # decided already
    assert PriorityRanking.objects.get(review=review, user=None).ready


def test_it_ranks_a_blinded_members_own_order(review):
    output = run(review.slug, "--as", "bob", "--top", "0")

    assert output.startswith(f"{review.slug}, bob's order: ranked 8 papers")
    assert PriorityRanking.objects.filter(review=review, user__username="bob").exists()


def test_too_few_decisions_say_why(review):
    output = run(review.slug, "--as", "owner")  # the owner's order is the team's, which has both kinds

    assert "ranked 8 papers" in output
    other = make_review("empty-one", papers=review.graphs)
    assert "no ranking. The priority order needs at least 1 include" in run(other.slug)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "There is no review with the slug “nope”."),
        (["llm-review", "--as", "nobody"], "“nobody” is not a member"),
        (["llm-review", "--top", "-1"], "--top must be 0 or more."),
    ],
)
def test_bad_arguments_are_refused(review, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)


def test_curators_see_the_orders_and_retrain_one_in_the_admin(admin_client, review):
    run(review.slug)
    ranking = PriorityRanking.objects.get(review=review, user=None)
    generation = ranking.generation

    listing = admin_client.get("/admin/reviews/priorityranking/")
    assert listing.status_code == 200
    assert "the team" in listing.text and "ready" in listing.text

    response = admin_client.post(
        "/admin/reviews/priorityranking/", {"action": "retrain_now", "_selected_action": [ranking.pk]}
    )

    assert response.status_code == 302
    ranking.refresh_from_db()
    assert ranking.generation == generation + 1
    assert admin_client.get(f"/admin/reviews/priorityranking/{ranking.pk}/change/").status_code == 200
