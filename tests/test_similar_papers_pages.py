"""Similar papers on a paper's pages: in a review, with my decision, the team's status as blind mode allows and
decision buttons; on the corpus page, the list alone."""

import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from papers.models import SimilarPaper
from reviews import annotating
from reviews.models import Membership, Role, ScreeningDecision
from tests.factories import logged_in, make_paper, make_review, make_user

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


class Corpus:
    """A blind review needing two screeners over six papers on protein folding and one on galaxies; a seventh
    protein paper is in the corpus but not in the review."""

    def __init__(self, *, blind=True):
        self.alice, self.bob, self.carol, self.eve = (make_user(name) for name in ("alice", "bob", "carol", "eve"))
        self.papers = [
            make_paper(title=f"Protein folding study {n}", abstract=f"Protein folding of amino acid chains, part {n}.")
            for n in range(6)
        ]
        self.galaxy = make_paper(title="Galaxy rotation curves", abstract="Dark matter halos in spiral galaxies.")
        self.outside = make_paper(title="Protein folding outside", abstract="Protein folding of amino acid chains.")
        self.review = make_review(
            "blind-review",
            papers=[*self.papers, self.galaxy],
            blind=blind,
            required_screeners=2,
            members={self.alice: Role.OWNER, self.bob: Role.REVIEWER, self.carol: Role.REVIEWER},
        )
        call_command("compute_similar", verbosity=0)
        self.paper = self.papers[0]
        self.neighbour = SimilarPaper.objects.of(self.paper.pk).exclude(similar=self.outside).first().similar

    def membership(self, user):
        return Membership.objects.select_related("review", "user").get(review=self.review, user=user)

    def url(self, paper=None):
        return reverse("reviews:paper", args=[self.review.slug, (paper or self.paper).key])

    def decide_url(self, paper):
        return reverse("reviews:decide", args=[self.review.slug, paper.pk])


@pytest.fixture
def corpus():
    return Corpus()


def similar_section(response) -> str:
    html = response.content.decode()
    start = html.index('<section class="similar-papers"')
    return html[start : html.index("</section>", start)]


def row_of(section: str, paper) -> str:
    start = section.index(f'id="paper-{paper.pk}"')
    return section[start : section.find("</li>", start)]


def test_the_paper_page_lists_the_similar_papers_with_my_decision(client, corpus):
    annotating.decide(corpus.membership(corpus.bob), corpus.neighbour.pk, "include", None)

    response = logged_in(client, corpus.bob).get(corpus.url())

    section = similar_section(response)
    listed = re.findall(r'<li class="similar-paper[^"]*"', section)
    assert len(listed) == 6  # the five other protein papers in the review and the one outside it
    row = row_of(section, corpus.neighbour)
    assert f'href="{corpus.url(corpus.neighbour)}"' in row
    assert re.search(r'value="include"[^>]*aria-pressed="true"', row)
    assert 'aria-label="My screening decision on ' in row
    # The paper outside the review links to its corpus page and has no buttons.
    assert "not in this review" in section
    assert f'href="{corpus.outside.get_absolute_url()}"' in section
    # The galaxy paper shares no word with this one: not listed.
    assert corpus.galaxy.title not in section


def test_a_blind_reviewer_does_not_learn_carols_decision_on_a_similar_paper(client, corpus):
    annotating.decide(corpus.membership(corpus.carol), corpus.neighbour.pk, "exclude", None)
    annotating.decide(corpus.membership(corpus.bob), corpus.paper.pk, "include", None)  # bob may see this paper's team

    section = similar_section(logged_in(client, corpus.bob).get(corpus.url()))

    row = row_of(section, corpus.neighbour)
    assert "Team: hidden until you decide (blind screening)" in row
    assert "exclude)" not in row and "awaiting" not in row.lower() and "status-" not in row
    assert not re.search(r'aria-pressed="true"', row)

    # Once bob decides it himself, its team status shows there.
    annotating.decide(corpus.membership(corpus.bob), corpus.neighbour.pk, "include", None)
    row = row_of(similar_section(client.get(corpus.url())), corpus.neighbour)
    assert "status-conflict" in row and "1 include · 0 maybe · 1 exclude" in row


def test_owners_see_the_team_status_of_every_similar_paper(client, corpus):
    annotating.decide(corpus.membership(corpus.carol), corpus.neighbour.pk, "exclude", None)
    row = row_of(similar_section(logged_in(client, corpus.alice).get(corpus.url())), corpus.neighbour)
    assert "Awaiting screeners" in row and "0 include · 0 maybe · 1 exclude" in row


def test_outsiders_get_a_404(client, corpus):
    assert logged_in(client, corpus.eve).get(corpus.url()).status_code == 404


def test_deciding_from_the_list_without_javascript_comes_back_to_the_page(client, corpus):
    logged_in(client, corpus.bob)
    page = corpus.url()
    response = client.post(
        corpus.decide_url(corpus.neighbour),
        {"decision": "maybe", "next": f"{page}#paper-{corpus.neighbour.pk}", "compact": "1"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page}#paper-{corpus.neighbour.pk}"
    decision = ScreeningDecision.objects.get(review=corpus.review, user=corpus.bob, paper=corpus.neighbour)
    assert decision.decision == "maybe"


def test_deciding_from_the_list_with_htmx_answers_the_rows_decision_alone(client, corpus):
    annotating.decide(corpus.membership(corpus.carol), corpus.neighbour.pk, "exclude", None)
    logged_in(client, corpus.bob)

    response = client.post(
        corpus.decide_url(corpus.neighbour),
        {"decision": "include", "next": corpus.url(), "compact": "1"},
        headers=HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert f'id="decision-{corpus.neighbour.pk}"' in html
    # Deciding shows the team's status (now a conflict) in the row, and nothing out of band for sections the row
    # does not have.
    assert "status-conflict" in html
    assert "hx-swap-oob" not in html
    assert 'name="compact" value="1"' in html
    # The paper's own panel still gets its scores and tags out of band after a decision.
    panel = client.post(corpus.decide_url(corpus.paper), {"decision": "include"}, headers=HTMX).content.decode()
    assert "hx-swap-oob" in panel


def test_the_similar_list_is_one_query_however_long(client, corpus, django_assert_max_num_queries):
    logged_in(client, corpus.bob)
    with CaptureQueriesContext(connection) as full:
        client.get(corpus.url())
    SimilarPaper.objects.filter(paper=corpus.paper, rank__gt=1).delete()
    with CaptureQueriesContext(connection) as short:
        client.get(corpus.url())
    assert len(full) == len(short)
    similar_queries = [query for query in full.captured_queries if "papers_similarpaper" in query["sql"]]
    assert len(similar_queries) == 1


def test_a_page_before_any_computation_says_how_lists_are_made(client, corpus):
    SimilarPaper.objects.all().delete()
    section = similar_section(logged_in(client, corpus.bob).get(corpus.url()))
    assert "manage.py compute_similar" in section


def test_the_corpus_page_lists_similar_papers(client, corpus):
    response = logged_in(client, corpus.eve).get(corpus.paper.get_absolute_url())
    section = similar_section(response)
    assert f'href="{corpus.outside.get_absolute_url()}"' in section
    assert f'href="{corpus.neighbour.get_absolute_url()}"' in section
    assert corpus.galaxy.title not in section
    # No review here: no decisions, no buttons.
    assert "<button" not in section


def test_an_open_review_shows_every_similar_papers_team_status(client):
    corpus = Corpus(blind=False)
    annotating.decide(corpus.membership(corpus.carol), corpus.neighbour.pk, "exclude", None)
    row = row_of(similar_section(logged_in(client, corpus.bob).get(corpus.url())), corpus.neighbour)
    assert "0 include · 0 maybe · 1 exclude" in row


def test_a_review_paper_page_with_similar_papers_outside_every_review(client):
    bob = make_user("bob")
    papers = [make_paper(title=f"Lonely paper {n}", abstract="Shared vocabulary words.") for n in range(3)]
    review = make_review("solo", papers=papers[:1], members={bob: Role.REVIEWER})
    call_command("compute_similar", verbosity=0)
    response = logged_in(client, bob).get(reverse("reviews:paper", args=[review.slug, papers[0].key]))
    section = similar_section(response)
    assert section.count("not in this review") == 2


def test_a_refused_decision_shows_its_error_on_the_paper_not_on_every_similar_paper(client, corpus):
    observer = make_user("olivia")
    Membership.objects.create(review=corpus.review, user=observer, role=Role.OBSERVER)
    response = logged_in(client, observer).post(corpus.decide_url(corpus.paper), {"decision": "include"})
    assert response.status_code == 403
    html = response.content.decode()
    assert html.count('class="error" role="alert"') == 1
    assert 'class="error"' not in similar_section(response)
