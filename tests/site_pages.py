"""A small, realistic site and the address of every kind of page in it, for the phone and accessibility checks."""

from dataclasses import dataclass

import pytest

from tests.factories import make_paper, make_review, make_user
from tests.importer_fixtures import seed_records

LONG_URL = "https://example.org/" + "a-very-long-path-segment-" * 8


@dataclass
class Site:
    review: object
    users: dict
    paper: object
    comment: object

    def pages(self, role: str) -> list[tuple[str, str, int]]:
        """(name, path, expected status) of every page type the role can reach, error pages included."""
        slug, arxiv_id = self.review.slug, self.paper.arxiv_id
        pages = [
            ("home", "/", 200),
            ("review list", f"/reviews/{slug}/", 200),
            ("review list, filtered", f"/reviews/{slug}/?q=language&status=undecided&tags={self.tag_id}", 200),
            ("paper in review", f"/reviews/{slug}/papers/{arxiv_id}/", 200),
            ("corpus list", "/papers/?q=language", 200),
            ("corpus paper", f"/papers/{arxiv_id}/", 200),
            ("not found", "/reviews/no-such-review/", 404),
        ]
        if role == "owner":
            pages.append(("settings", f"/reviews/{slug}/settings/", 200))
            pages.append(("possible duplicates", f"/reviews/{slug}/duplicates/", 200))
        else:
            pages.append(("refused settings", f"/reviews/{slug}/settings/", 403))
        if role == "reviewer":
            pages.append(("comment edit", f"/reviews/{slug}/comments/{self.comment.pk}/edit/", 200))
        return pages

    tag_id: int = 0


@pytest.fixture
def site(db):
    from reviews import annotating
    from reviews.models import ExclusionReason, Membership, Role

    papers = [make_paper(id_line, abstract=abstract) for id_line, abstract in seed_records()[:6]]
    title = "Chain-of-Thought Prompting Elicits Reasoning in Large Language Models"
    papers.append(make_paper("2201.11903", title=title))
    users = {"owner": make_user("alice"), "reviewer": make_user("bob"), "observer": make_user("olivia")}
    review = make_review(
        papers=papers,
        members={users["owner"]: Role.OWNER, users["reviewer"]: Role.REVIEWER, users["observer"]: Role.OBSERVER},
        research_question="Which methods make language models cheaper to run?",
        inclusion_criteria="Empirical studies.",
        exclusion_criteria="Position papers.",
    )
    ExclusionReason.objects.create(review=review, label="Wrong population", position=1)
    bob = Membership.objects.select_related("review", "user").get(review=review, user=users["reviewer"])
    alice = Membership.objects.select_related("review", "user").get(review=review, user=users["owner"])
    paper = papers[0]
    tag = annotating.apply_tag(bob, paper.pk, "efficiency")
    annotating.apply_tag(bob, paper.pk, "a-rather-long-tag-name-for-wrapping")
    annotating.set_score(bob, paper.pk, 4)
    annotating.decide(bob, paper.pk, "maybe")
    annotating.decide(alice, paper.pk, "include")
    comment = annotating.add_comment(bob, paper.pk, f"See **this** long link: {LONG_URL}")
    annotating.add_comment(alice, paper.pk, "Agreed.", parent_id=comment.pk)
    built = Site(review=review, users=users, paper=paper, comment=comment)
    built.tag_id = tag.pk
    return built
