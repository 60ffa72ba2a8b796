"""The dashboard and the statistics page: who sees what, the figures against the database, escaping, empty reviews."""

import re

import pytest
from django.urls import reverse

from papers.models import ImportBatch
from reviews import annotating
from reviews.models import Assignment, ExclusionReason, Membership, Role
from tests.factories import logged_in, make_paper, make_review, make_user

HOSTILE_TAG = "<script>alert(\"x\")</script> & 'q' " + "x" * 14  # 49 characters, the most allowed
RTL_REASON = "سبب خاطئ \u202e<b>odd</b> & more"


def member(review, user):
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


@pytest.fixture
def screened(db):
    """A blind review with two required screeners: alice owns, bob and carol review, rosa resolves, olivia
    observes, eve is outside. Six papers; the votes give 2 included, 1 excluded, 1 conflict, 1 awaiting, 1 undecided."""

    class World:
        alice, bob, carol = make_user("alice"), make_user("bob"), make_user("carol")
        rosa, olivia, eve = make_user("rosa"), make_user("olivia"), make_user("eve")
        papers = [make_paper() for _ in range(6)]
        review = make_review(
            papers=papers,
            members={
                alice: Role.OWNER,
                bob: Role.REVIEWER,
                carol: Role.REVIEWER,
                rosa: Role.RESOLVER,
                olivia: Role.OBSERVER,
            },
            blind=True,
            required_screeners=2,
        )

    world = World
    reason = ExclusionReason.objects.create(review=world.review, label=RTL_REASON, position=1)
    bob, carol = member(world.review, world.bob), member(world.review, world.carol)
    votes = [
        ("include", "include"),
        ("include", "maybe"),
        ("exclude", "exclude"),
        ("include", "exclude"),
        ("exclude", None),
    ]
    # maybe_includes is not the rule here (strict), so include+maybe is a conflict: fix the second to agree.
    votes[1] = ("include", "include")
    for paper, (bob_vote, carol_vote) in zip(world.papers, votes, strict=False):
        annotating.decide(bob, paper.pk, bob_vote, reason.pk if bob_vote == "exclude" else None)
        if carol_vote:
            annotating.decide(carol, paper.pk, carol_vote)
    annotating.set_score(bob, world.papers[0].pk, 4)
    annotating.set_score(carol, world.papers[0].pk, 5)
    annotating.set_score(bob, world.papers[1].pk, 2)
    annotating.apply_tag(bob, world.papers[0].pk, HOSTILE_TAG)
    # Two imports wholly in the review: the second merged two of its records into papers already there.
    batch = ImportBatch.objects.create(file_name="a.txt", format="arxiv-dump")
    other = ImportBatch.objects.create(file_name="b.txt", format="arxiv-dump", duplicate_count=2)
    batch.papers.add(*world.papers)
    other.papers.add(world.papers[0], world.papers[1])
    world.reason = reason
    return world


def dashboard_url(review):
    return reverse("reviews:dashboard", args=[review.slug])


def statistics_url(review):
    return reverse("reviews:statistics", args=[review.slug])


def chart_url(review, chart):
    return reverse("reviews:dashboard_chart", args=[review.slug, chart])


def figure(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)


def test_the_owner_sees_the_team_figures_and_the_prisma_flow(client, screened):
    html = logged_in(client, screened.alice).get(dashboard_url(screened.review)).content.decode()

    assert figure(html, "figure-screened") == "4"  # 2 included, 1 excluded, 1 conflict
    assert figure(html, "figure-conflicts-open") == "1"
    assert figure(html, "figure-resolved") == "0"
    # PRISMA: 6 papers and the second import's 2 duplicates → 8 records; 6 screened, 1 excluded, 2 included,
    # 2 awaiting screening (one vote, none), 1 awaiting resolution.
    for text in ["Records identified: 8", "duplicate records removed: 2", "records screened: 6",
                 "records excluded: 1", "records included at screening: 2", "awaiting screening: 2",
                 "awaiting resolution: 1"]:  # fmt: skip
        assert text in html
    assert "Score 4: 1; Score 5: 1" in html
    assert "bob, Include: 3" in html


def test_a_paper_without_import_batches_is_one_record(client, screened):
    paper = make_paper()
    screened.review.add_papers([paper.pk])
    html = logged_in(client, screened.alice).get(dashboard_url(screened.review)).content.decode()
    assert "Records identified: 9; duplicate records removed: 2; records screened: 7" in html


def test_excluded_records_are_counted_per_reason_with_a_bucket_for_none(client, screened):
    carol = member(screened.review, screened.carol)
    annotating.decide(carol, screened.papers[4].pk, "exclude")  # bob gave the reason, carol none
    bob = member(screened.review, screened.bob)
    annotating.decide(bob, screened.papers[5].pk, "exclude")
    annotating.decide(carol, screened.papers[5].pk, "exclude")
    svg = logged_in(client, screened.alice).get(chart_url(screened.review, "prisma")).content.decode()
    assert (
        "records excluded: 3; excluded, سبب خاطئ &lt;b&gt;odd&lt;/b&gt; &amp; more: 2; excluded, No reason given: 1"
        in svg
    )


def test_labels_are_escaped_everywhere(client, screened):
    client = logged_in(client, screened.alice)
    for response in [client.get(dashboard_url(screened.review)), client.get(chart_url(screened.review, "tags"))]:
        body = response.content.decode()
        assert "<script>" not in body
        assert "&lt;script&gt;" in body
        assert "\u202e" not in body, "a bidi override cannot reorder the chart"
        assert "<b>odd" not in body


@pytest.mark.parametrize("chart", ["progress", "prisma", "decisions", "scores", "tags", "pace"])
def test_each_chart_downloads_as_an_svg_file(client, screened, chart):
    response = logged_in(client, screened.alice).get(chart_url(screened.review, chart))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("image/svg+xml")
    assert response["Content-Disposition"] == f'attachment; filename="{screened.review.slug}-{chart}.svg"'
    body = response.content.decode()
    assert body.startswith("<?xml") and "<svg" in body and 'role="img"' in body
    page = client.get(dashboard_url(screened.review)).content.decode()
    assert body.split("\n")[1] in page, "the page embeds the same SVG"


def test_an_unknown_chart_is_not_found(client, screened):
    assert logged_in(client, screened.alice).get(chart_url(screened.review, "no-such-chart")).status_code == 404


@pytest.mark.parametrize("url", [dashboard_url, statistics_url, lambda review: chart_url(review, "progress")])
def test_outsiders_and_visitors_do_not_learn_the_review_exists(client, screened, url):
    assert client.get(url(screened.review)).status_code == 302  # to the login page
    assert logged_in(client, screened.eve).get(url(screened.review)).status_code == 404


@pytest.mark.parametrize("who", ["bob", "olivia"])
def test_blind_members_see_progress_only(client, screened, who):
    client = logged_in(client, getattr(screened, who))
    html = client.get(dashboard_url(screened.review)).content.decode()
    assert "The review holds <strong>6</strong> papers" in html
    assert re.search(r"bob( \(you\))?</th><td>Reviewer</td><td>5</td><td>6</td>", html)
    assert re.search(r"carol</th><td>Reviewer</td><td>4</td><td>6</td>", html)
    for hidden in ["figure-screened", "figure-conflicts-open", "PRISMA 2020 flow", "Records identified", "Score 4",
                   "Include: 3", "Decisions per reviewer", "&lt;script&gt;", "Decisions per day"]:  # fmt: skip
        assert hidden not in html
    for chart in ["prisma", "decisions", "scores", "tags", "pace"]:
        assert client.get(chart_url(screened.review, chart)).status_code == 403
    assert client.get(chart_url(screened.review, "progress")).status_code == 200

    statistics = client.get(statistics_url(screened.review)).content.decode()
    assert "available to its owners and resolvers" in statistics
    assert "kappa" not in statistics.lower().replace("fleiss' kappa", "")  # no figure, not even a heading
    assert "N = " not in statistics


@pytest.mark.parametrize("who", ["alice", "rosa"])
def test_owners_and_resolvers_see_the_agreement(client, screened, who):
    html = logged_in(client, getattr(screened, who)).get(statistics_url(screened.review)).content.decode()
    # bob and carol share 4 papers: include/include ×2, exclude/exclude, include/exclude → 3 of 4 agree.
    # Table (rows bob, cols carol; include, maybe, exclude): [[2,0,1],[0,0,0],[0,0,1]], N = 4.
    # po = 0.75; pe = 3/4·2/4 + 1/4·2/4 = 0.5; kappa = 0.25 / 0.5 = 0.50 → moderate.
    assert re.search(r"bob and carol</th>\s*<td>4</td>\s*<td>75.0%", html)
    assert "0.50 (" in html and "Moderate agreement" in html
    assert "raw votes" in html
    assert "nan" not in html.lower() and "inf" not in html.lower().replace("information", "")


def test_an_open_review_shows_its_reviewers_everything(client, screened):
    screened.review.blind = False
    screened.review.save()
    html = logged_in(client, screened.bob).get(dashboard_url(screened.review)).content.decode()
    assert "Records identified" in html
    assert logged_in(client, screened.bob).get(statistics_url(screened.review)).status_code == 200


def test_an_empty_review_says_nothing_is_screened_yet(client, db):
    alice = make_user("alice")
    review = make_review("empty", members={alice: Role.OWNER})
    client = logged_in(client, alice)
    dashboard = client.get(dashboard_url(review))
    assert dashboard.status_code == 200
    assert "Nothing screened yet" in dashboard.content.decode()
    statistics = client.get(statistics_url(review)).content.decode()
    assert "Nothing screened yet" in statistics
    assert "not enough data: no paper has been decided by two reviewers" in statistics.lower()
    assert "nan" not in statistics.lower()
    for chart in ["progress", "prisma", "decisions", "scores", "tags", "pace"]:
        assert client.get(chart_url(review, chart)).status_code == 200


def test_with_assignments_a_reviewers_denominator_is_their_papers(client, screened):
    for paper in screened.papers[:2]:
        Assignment.objects.create(review=screened.review, paper=paper, user=screened.carol)
    html = logged_in(client, screened.carol).get(dashboard_url(screened.review)).content.decode()
    assert "You have decided on <strong>2</strong> of 2 papers assigned to you" in html
    assert re.search(r"bob</th><td>Reviewer</td><td>0</td><td>0</td>", html)


def test_the_pages_take_a_fixed_number_of_queries(client, screened, django_assert_max_num_queries):
    client = logged_in(client, screened.alice)
    with django_assert_max_num_queries(21):
        client.get(dashboard_url(screened.review))
    with django_assert_max_num_queries(14):
        client.get(statistics_url(screened.review))


@pytest.fixture(autouse=True)
def empty_cache():
    from django.core.cache import cache

    cache.clear()


def test_a_new_vote_shows_at_once_though_counts_are_cached(client, screened):
    client = logged_in(client, screened.alice)
    assert figure(client.get(dashboard_url(screened.review)).content.decode(), "figure-screened") == "4"
    annotating.decide(member(screened.review, screened.carol), screened.papers[4].pk, "exclude")
    html = client.get(dashboard_url(screened.review)).content.decode()
    assert figure(html, "figure-screened") == "5"
    statistics = client.get(statistics_url(screened.review)).content.decode()
    assert re.search(r"bob and carol</th>\s*<td>5</td>", statistics)


def test_score_spreads_from_summary_columns_match_the_scores(screened):
    from reviews import dashboard_queries

    # Papers with 2, 3 and 4 scores: the first two are read from ReviewPaper, the last from Score.
    members = [member(screened.review, user) for user in (screened.alice, screened.bob, screened.carol)]
    dave = make_user("dave")
    Membership.objects.create(review=screened.review, user=dave, role=Role.REVIEWER)
    members.append(member(screened.review, dave))
    for paper, values in zip(screened.papers[2:5], [(1, 5), (2, 2, 5), (3, 4, 4, 1)], strict=True):
        for membership, value in zip(members, values, strict=False):
            annotating.set_score(membership, paper.pk, value)
    profiles = dict(dashboard_queries.score_profiles(screened.review.pk))
    # From the fixture: paper 0 scored 4 and 5 (paper 1 scored once, left out).
    assert profiles == {
        (0, 0, 0, 1, 1): 1,
        (1, 0, 0, 0, 1): 1,
        (0, 2, 0, 0, 1): 1,
        (1, 0, 1, 2, 0): 1,
    }
