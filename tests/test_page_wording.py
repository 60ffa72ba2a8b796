"""Wording and navigation a user found wrong on the review's pages: roles with their article, the screening
mode's end page, the PRISMA figures and the dashboard's own figure, the paper page's review navigation."""

import pytest
from django.urls import reverse

from reviews import annotating
from tests.dual_review import dual, member  # noqa: F401 - a fixture
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "who, phrase",
    [("alice", "You are an owner."), ("bob", "You are a reviewer."), ("rosa", "You are a resolver."),
     ("olivia", "You are an observer.")],
)  # fmt: skip
def test_the_paper_list_names_the_role_with_its_article(client, dual, who, phrase):  # noqa: F811
    response = logged_in(client, getattr(dual, who)).get(reverse("reviews:paper_list", args=["dual"]))
    assert phrase in response.text


def test_an_observer_in_a_blind_review_sees_no_tags_not_no_tags_of_mine(client, dual):  # noqa: F811
    observer = logged_in(client, dual.olivia).get(reverse("reviews:paper_list", args=["dual"])).text
    assert "No tags</li>" in observer and "No tags of mine" not in observer
    reviewer = logged_in(client, dual.bob).get(reverse("reviews:paper_list", args=["dual"])).text
    assert "No tags of mine" in reviewer


def test_the_screening_end_page_lists_no_decision_keys(client, dual):  # noqa: F811
    bob = member(dual.review, dual.bob)
    for paper in dual.papers:
        annotating.decide(bob, paper.pk, "include")
    html = logged_in(client, dual.bob).get(reverse("reviews:screen", args=["dual"])).text
    assert "Nothing left for you to screen." in html
    hint = html.split('class="keys-hint"')[1].split("</p>")[0]
    assert "<kbd>i</kbd>" not in hint and "<kbd>e</kbd>" not in hint and "<kbd>u</kbd>" in hint
    html = logged_in(client, dual.carol).get(reverse("reviews:screen", args=["dual"])).text
    assert "<kbd>i</kbd> include" in html.split('class="keys-hint"')[1].split("</p>")[0]


def test_the_screening_page_names_a_resolvers_role_with_its_article(client, dual):  # noqa: F811
    html = logged_in(client, dual.rosa).get(reverse("reviews:screen", args=["dual"])).text
    assert "You are a resolver in this review" in html


def test_the_statistics_page_links_back_without_a_stray_space(client, dual):  # noqa: F811
    html = logged_in(client, dual.alice).get(reverse("reviews:statistics", args=["dual"])).text
    assert "dashboard</a>.</p>" in html


def test_the_dashboard_names_its_figures_plainly(client, dual):  # noqa: F811
    bob, carol = member(dual.review, dual.bob), member(dual.review, dual.carol)
    annotating.decide(bob, dual.p1.pk, "include")
    annotating.decide(carol, dual.p1.pk, "include")
    annotating.decide(bob, dual.p2.pk, "exclude")
    html = logged_in(client, dual.alice).get(reverse("reviews:dashboard", args=["dual"])).text
    assert "Papers with all required decisions" in html and "fully screened" not in html
    assert "×" not in html and "(papers screened + duplicates removed)" in html
    assert "Records screened" in html and "(entered title/abstract screening)" in html
    table = html.split('id="prisma-table"')[1].split("</table>")[0]
    for stage, n in [("Records screened (entered title/abstract screening)", 4), ("Records included at screening", 1),
                     ("Awaiting screening", 3), ("Records excluded", 0)]:  # fmt: skip
        assert f'<th scope="row">{stage}</th><td>{n}</td>' in table


@pytest.mark.parametrize("who", ["alice", "bob", "olivia"])
def test_the_paper_page_carries_the_review_navigation(client, dual, who):  # noqa: F811
    url = reverse("reviews:paper", args=["dual", dual.p1.arxiv_id])
    html = logged_in(client, getattr(dual, who)).get(url).text
    assert 'aria-label="This review"' in html
    assert f'href="{reverse("reviews:dashboard", args=["dual"])}"' in html
    assert 'aria-current="page"' not in html.split('aria-label="This review"')[1].split("</nav>")[0]


def test_the_screening_settings_form_lands_at_its_section(client, dual):  # noqa: F811
    html = logged_in(client, dual.alice).get(reverse("reviews:settings", args=["dual"])).text
    assert f'action="{reverse("reviews:settings_screening", args=["dual"])}#screening"' in html


def test_the_conflicts_page_uses_the_centred_column_and_the_settings_form_look(client, dual):  # noqa: F811
    bob, carol = member(dual.review, dual.bob), member(dual.review, dual.carol)
    annotating.decide(bob, dual.p1.pk, "include")
    annotating.decide(carol, dual.p1.pk, "exclude")
    html = logged_in(client, dual.alice).get(reverse("reviews:conflicts", args=["dual"])).text
    assert '<main id="main" class="wide"' not in html and 'class="resolve-form settings-form"' in html
