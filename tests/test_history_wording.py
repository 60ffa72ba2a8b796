"""The history in plain words: settings by their labels and display values, members, assignments, and comments
as text without their Markdown, written through the real write paths and read on the history page."""

from django.urls import reverse

from reviews import annotating, assigning, configuring
from reviews.models import ConflictRule, Membership, Role
from tests.factories import logged_in, make_user
from tests.test_history_pages import blind  # noqa: F401 - the fixture


def history(client, blind) -> str:  # noqa: F811
    logged_in(client, blind.users["alice"])
    response = client.get(reverse("reviews:history", args=[blind.review.slug]))
    assert response.status_code == 200
    return response.content.decode()


def test_settings_read_by_their_labels_and_display_values(client, blind):  # noqa: F811
    configuring.change_settings(
        blind.member("alice"),
        {"blind": False, "required_screeners": 3, "conflict_rule": ConflictRule.MAYBE_INCLUDES, "title": "Tuned"},
    )
    configuring.change_settings(blind.member("alice"), {"conflict_rule": ConflictRule.STRICT})
    page = history(client, blind)
    assert "Blind screening: on → off" in page
    assert "Required screeners: 2 → 3" in page
    assert "Conflict rule: Strict: include, maybe and exclude must all agree → Maybe goes with include" in page
    assert "Conflict rule: Maybe goes with include → Strict" in page
    assert "Title: “Llm Review” → “Tuned”" in page
    assert "setting " not in page and "value " not in page, "no raw field names or stored keys"


def test_member_changes_read_as_sentences(client, blind):  # noqa: F811
    owner = blind.member("alice")
    newcomer = make_user("nina")
    added = configuring.add_member(owner, newcomer, Role.REVIEWER)
    configuring.change_role(owner, added.pk, Role.RESOLVER)
    configuring.remove_member(owner, Membership.objects.get(pk=added.pk).pk)
    page = history(client, blind)
    assert "added nina as reviewer" in page
    assert "nina: reviewer → resolver" in page
    assert "removed nina" in page
    assert "role " not in page.split("<h1")[1]


def test_assignments_read_as_sentences(client, blind):  # noqa: F811
    owner = blind.member("alice")
    screeners = [blind.member("bob").pk, blind.member("carol").pk]
    assigning.assign_papers(owner, screeners, 1)
    assigning.assign_papers(owner, screeners, 2)
    assigning.clear_assignments(owner)
    page = history(client, blind)
    assert "assigned 1 paper, 1 reviewer each: bob 1, carol 0" in page
    assert "assigned 1 paper, 2 reviewers each: bob 1, carol 1 (replacing 1 assignment)" in page
    assert "cleared all assignments (2)" in page
    assert "per_paper" not in page and "{" not in page.split("<h1")[1].split("</main>")[0]


def test_comments_read_as_plain_text_without_markdown(client, blind):  # noqa: F811
    annotating.add_comment(
        blind.member("carol"), blind.paper.pk, "**Bold** claim, see `table 2` & [the code](https://example.org)"
    )
    page = history(client, blind)
    assert "comment added: “Bold claim, see table 2 &amp; the code”" in page
    assert "**" not in page and "`" not in page.split("<h1")[1]
