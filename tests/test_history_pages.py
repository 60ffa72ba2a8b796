"""A paper's timeline (blind-aware), the review's history page for owners and resolvers, and restoring a
deleted comment, through the test client."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import annotating, configuring
from reviews.models import Change, ChangeKind, Comment, ExclusionReason, Membership, Role
from tests.factories import logged_in, make_paper, make_review, make_user

HTMX = {"HX-Request": "true"}


def member(review, user) -> Membership:
    return Membership.objects.select_related("review", "user").get(review=review, user=user)


class Blind:
    """A blind review needing two screeners: alice owns, bob, carol and dave screen, rosa resolves, olivia
    observes. Bob has decided, with a score and a tag; carol has not."""

    def __init__(self):
        self.users = {name: make_user(name) for name in ("alice", "bob", "carol", "dave", "rosa", "olivia")}
        self.paper = make_paper("2305.06500", abstract="Vision-language instruction tuning.")
        roles = {"alice": Role.OWNER, "bob": Role.REVIEWER, "carol": Role.REVIEWER, "dave": Role.REVIEWER,
                 "rosa": Role.RESOLVER, "olivia": Role.OBSERVER}  # fmt: skip
        self.review = make_review(
            papers=[self.paper], members={self.users[n]: r for n, r in roles.items()}, blind=True, required_screeners=2
        )
        self.reason = ExclusionReason.objects.create(review=self.review, label="Off topic")
        bob = self.member("bob")
        annotating.decide(bob, self.paper.pk, "maybe")
        annotating.decide(bob, self.paper.pk, "exclude", self.reason.pk)
        annotating.set_score(bob, self.paper.pk, 2)
        annotating.apply_tag(bob, self.paper.pk, "efficiency")
        self.comment = annotating.add_comment(bob, self.paper.pk, "Which models were tuned?")

    def member(self, name):
        return member(self.review, self.users[name])

    def timeline(self, client, name, **headers) -> str:
        logged_in(client, self.users[name])
        url = reverse("reviews:paper_history", args=[self.review.slug, self.paper.pk])
        response = client.get(url, headers=headers)
        assert response.status_code == 200
        return response.content.decode()


@pytest.fixture
def blind(db):
    return Blind()


class TestPaperTimeline:
    def test_an_owner_reads_every_change_in_words(self, client, blind):
        page = blind.timeline(client, "alice")
        assert "decision: maybe → exclude (Off topic)" in page
        assert "score: 2" in page
        assert "tagged “efficiency”" in page
        assert "comment added: “Which models were tuned?”" in page
        assert page.count('class="who">bob<') == 5

    def test_a_reviewer_who_has_not_decided_sees_comments_and_their_own_changes_only(self, client, blind):
        annotating.set_score(blind.member("carol"), blind.paper.pk, 4)
        page = blind.timeline(client, "carol")
        assert "score: 4" in page  # carol's own
        assert "comment added" in page
        for hidden in ("exclude", "score: 2", "efficiency"):
            assert hidden not in page

    def test_once_they_decided_they_see_the_team(self, client, blind):
        annotating.decide(blind.member("carol"), blind.paper.pk, "include")
        page = blind.timeline(client, "carol")
        assert "decision: maybe → exclude (Off topic)" in page
        assert "tagged “efficiency”" in page

    def test_observers_stay_blind_and_resolvers_see_everything(self, client, blind):
        assert "exclude" not in blind.timeline(client, "olivia")
        assert "decision: maybe → exclude (Off topic)" in blind.timeline(client, "rosa")

    def test_an_open_review_hides_nothing(self, client, blind):
        blind.review.blind = False
        blind.review.save()
        assert "decision: maybe → exclude (Off topic)" in blind.timeline(client, "carol")

    def test_final_decisions_and_settings_read_as_sentences(self, client, blind):
        annotating.decide(blind.member("carol"), blind.paper.pk, "include")
        annotating.resolve(blind.member("alice"), blind.paper.pk, "exclude")
        Change.objects.create(
            review=blind.review, paper=blind.paper, user=blind.users["alice"], kind=ChangeKind.SETTING,
            subject="required_screeners", before=1, after=2, at=timezone.now(),
        )  # fmt: skip
        page = blind.timeline(client, "alice")
        assert "final decision: exclude" in page
        assert "Required screeners: 1 → 2" in page

    def test_a_reopening_says_so(self, client, blind):
        annotating.decide(blind.member("carol"), blind.paper.pk, "include")
        annotating.resolve(blind.member("alice"), blind.paper.pk, "exclude")
        annotating.decide(blind.member("carol"), blind.paper.pk, "maybe")
        assert "final decision exclude reopened: a vote changed" in blind.timeline(client, "alice")

    def test_a_deleted_comment_s_words_are_for_its_author_and_owners(self, client, blind):
        annotating.delete_comment(blind.member("bob"), blind.comment)
        for name in ("bob", "alice"):
            page = blind.timeline(client, name)
            assert "comment deleted: “Which models were tuned?”" in page
            assert reverse("reviews:comment_restore", args=[blind.review.slug, blind.comment.pk]) in page
        for name in ("carol", "rosa"):
            page = blind.timeline(client, name)
            assert "comment deleted" in page
            assert "Which models" not in page
            assert "/restore/" not in page

    def test_changes_of_a_hidden_comment_are_for_owners_only(self, client, blind):
        annotating.set_comments_hidden(Comment.objects.all(), True, blind.users["alice"])
        assert "comment hidden by a curator" in blind.timeline(client, "alice")
        for name in ("bob", "rosa", "carol"):
            assert "comment" not in blind.timeline(client, name).split("<h1")[1]

    def test_htmx_gets_the_entries_alone(self, client, blind):
        fragment = blind.timeline(client, "alice", **HTMX)
        assert "<html" not in fragment
        assert "decision: maybe → exclude (Off topic)" in fragment

    def test_the_paper_page_offers_the_history_with_and_without_javascript(self, client, blind):
        logged_in(client, blind.users["carol"])
        page = client.get(reverse("reviews:paper", args=[blind.review.slug, blind.paper.arxiv_id])).content.decode()
        url = reverse("reviews:paper_history", args=[blind.review.slug, blind.paper.pk])
        assert f'hx-get="{url}"' in page and f'href="{url}"' in page

    def test_outsiders_and_papers_outside_the_review_get_404(self, client, blind):
        logged_in(client, make_user("eve"))
        assert client.get(reverse("reviews:paper_history", args=[blind.review.slug, blind.paper.pk])).status_code == 404
        logged_in(client, blind.users["alice"])
        elsewhere = make_paper("2201.11903")
        url = reverse("reviews:paper_history", args=[blind.review.slug, elsewhere.pk])
        assert client.get(url).status_code == 404

    def test_a_timeline_takes_a_fixed_number_of_queries(self, client, blind, django_assert_max_num_queries):
        for n in range(30):
            annotating.set_score(blind.member("bob"), blind.paper.pk, n % 5 + 1)
            annotating.add_comment(blind.member("dave"), blind.paper.pk, f"note {n}")
        logged_in(client, blind.users["carol"])
        with django_assert_max_num_queries(10):
            client.get(reverse("reviews:paper_history", args=[blind.review.slug, blind.paper.pk]))


class TestReviewHistory:
    def url(self, blind, **query):
        from django.utils.http import urlencode

        return reverse("reviews:history", args=[blind.review.slug]) + ("?" + urlencode(query) if query else "")

    def test_reviewers_and_observers_are_refused_owners_and_resolvers_read_it(self, client, blind):
        for name, status in (("bob", 403), ("olivia", 403), ("rosa", 200), ("alice", 200)):
            logged_in(client, blind.users[name])
            assert client.get(self.url(blind)).status_code == status, name
        logged_in(client, make_user("eve"))
        assert client.get(self.url(blind)).status_code == 404

    def test_filter_by_person_and_kind(self, client, blind):
        annotating.decide(blind.member("carol"), blind.paper.pk, "include")
        logged_in(client, blind.users["alice"])
        page = client.get(self.url(blind, person="carol")).content.decode()
        assert "decision: include" in page and 'class="who">bob<' not in page
        page = client.get(self.url(blind, person="bob", kind="score")).content.decode()
        assert "score: 2" in page and "decision:" not in page
        paper_link = reverse("reviews:paper", args=[blind.review.slug, blind.paper.arxiv_id])
        assert f'href="{paper_link}"' in page

    def test_former_members_are_one_choice(self, client, blind):
        Membership.objects.filter(user=blind.users["bob"]).delete()
        gone = make_user("zed")
        Change.objects.create(review=blind.review, user=None, kind=ChangeKind.COMMENT, at=timezone.now())
        Change.objects.create(review=blind.review, user=gone, kind=ChangeKind.COMMENT, at=timezone.now())
        logged_in(client, blind.users["alice"])
        response = client.get(self.url(blind, person="former"))
        assert response.context["page"].paginator.count == 5 + 2
        assert client.get(self.url(blind, person="bob")).status_code == 422  # no longer a choice

    def test_days_bound_the_list_and_bad_days_are_explained(self, client, blind):
        Change.objects.filter(kind=ChangeKind.SCORE).update(at=timezone.now() - datetime.timedelta(days=3))
        logged_in(client, blind.users["alice"])
        today = timezone.localdate().isoformat()
        page = client.get(self.url(blind, since=today, until=today)).content.decode()
        assert "exclude" in page and "score: 2" not in page
        for query in ({"since": "2024-02-30"}, {"until": "not a day"}, {"since": "99999-01-01"}):
            response = client.get(self.url(blind, **query))
            assert response.status_code == 422 and 'role="alert"' in response.content.decode(), query
        response = client.get(self.url(blind, since="2025-02-01", until="2025-01-01"))
        assert response.status_code == 422
        assert "The “from” day is after the “to” day" in response.content.decode()
        assert client.get(self.url(blind, since="0001-01-01", until="9999-12-31")).status_code == 200

    def test_pages_keep_the_filters_and_htmx_gets_the_results_alone(self, client, blind):
        for n in range(120):
            annotating.set_score(blind.member("bob"), blind.paper.pk, n % 5 + 1)
        logged_in(client, blind.users["alice"])
        response = client.get(self.url(blind, person="bob", page=2), headers=HTMX)
        body = response.content.decode()
        assert "<html" not in body and 'id="results"' in body
        assert "person=bob&amp;page=3" in body
        assert len(response.context["entries"]) == 50

    def test_resolvers_do_not_read_hidden_comments_or_deleted_words(self, client, blind):
        annotating.delete_comment(blind.member("bob"), blind.comment)
        logged_in(client, blind.users["rosa"])
        page = client.get(self.url(blind)).content.decode()
        assert "comment deleted" in page and "Which models" not in page
        annotating.set_comments_hidden(Comment.objects.all(), True, None)
        assert client.get(self.url(blind, kind="comment")).context["entries"] == []

    def test_the_page_takes_a_fixed_number_of_queries(self, client, blind, django_assert_max_num_queries):
        for n in range(60):
            annotating.add_comment(blind.member("dave"), blind.paper.pk, f"note {n}")
        logged_in(client, blind.users["alice"])
        with django_assert_max_num_queries(12):
            assert client.get(self.url(blind)).status_code == 200


class TestRestore:
    def url(self, blind, comment_id=None):
        return reverse("reviews:comment_restore", args=[blind.review.slug, comment_id or blind.comment.pk])

    def test_the_author_restores_without_javascript_and_returns_where_they_were(self, client, blind):
        annotating.delete_comment(blind.member("bob"), blind.comment)
        logged_in(client, blind.users["bob"])
        back = reverse("reviews:paper_history", args=[blind.review.slug, blind.paper.pk])
        response = client.post(self.url(blind), {"next": back})
        assert response.status_code == 302 and response["Location"] == back
        assert Comment.objects.get().deleted_at is None
        assert "comment restored: “Which models were tuned?”" in client.get(back).content.decode()

    def test_with_htmx_the_thread_comes_back(self, client, blind):
        annotating.delete_comment(blind.member("bob"), blind.comment)
        logged_in(client, blind.users["alice"])
        response = client.post(self.url(blind), headers=HTMX)
        assert response.status_code == 200
        assert "Which models were tuned?" in response.content.decode()
        assert f'id="comments-{blind.paper.pk}"' in response.content.decode()

    def test_a_placeholder_offers_restore_to_its_author_and_owners(self, client, blind):
        annotating.add_comment(blind.member("dave"), blind.paper.pk, "A reply", parent_id=blind.comment.pk)
        annotating.delete_comment(blind.member("bob"), blind.comment)
        paper_url = reverse("reviews:paper", args=[blind.review.slug, blind.paper.arxiv_id])
        for name, offered in (("bob", True), ("alice", True), ("dave", False), ("olivia", False)):
            logged_in(client, blind.users[name])
            thread = client.get(paper_url).content.decode().split('class="panel-section comments"')[1]
            assert ("This comment was deleted" in thread) and ((self.url(blind) in thread) == offered), name

    def test_refusals_say_why_and_change_nothing(self, client, blind):
        logged_in(client, blind.users["bob"])
        response = client.post(self.url(blind))
        assert response.status_code == 409 and "not deleted" in response.content.decode()
        annotating.delete_comment(blind.member("bob"), blind.comment)
        for name, status in (("dave", 403), ("olivia", 403), ("carol", 403)):
            logged_in(client, blind.users[name])
            assert client.post(self.url(blind)).status_code == status, name
        logged_in(client, blind.users["bob"])
        assert client.post(self.url(blind, 10**15)).status_code == 404
        other = make_review("other", papers=[blind.paper], members={blind.users["bob"]: Role.REVIEWER})
        assert client.post(reverse("reviews:comment_restore", args=[other.slug, blind.comment.pk])).status_code == 404
        assert client.get(self.url(blind)).status_code == 405
        assert Comment.objects.get().deleted_at is not None
        restored_twice = [client.post(self.url(blind)).status_code for _ in range(2)]
        assert restored_twice == [302, 409]
        assert Change.objects.filter(kind=ChangeKind.COMMENT).count() == 3


class TestAdmin:
    def test_a_superuser_browses_many_changes_read_only(self, client, blind, django_assert_max_num_queries):
        root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
        for n in range(150):
            annotating.set_score(blind.member("bob"), blind.paper.pk, n % 5 + 1)
        client.force_login(root)
        url = reverse("admin:reviews_change_changelist")
        with django_assert_max_num_queries(15):
            response = client.get(url)
        assert response.status_code == 200 and "2305.06500" in response.content.decode()
        assert client.get(url, {"q": "bob"}).context["cl"].result_count == 155
        assert client.get(url, {"q": "2305.06500"}).context["cl"].result_count == 155
        assert client.get(url, {"q": "carol"}).context["cl"].result_count == 0
        assert client.get(url, {"kind__exact": "tag"}).context["cl"].result_count == 1
        assert client.get(url, {"at__gte": str(timezone.now().replace(hour=0, minute=0))}).status_code == 200
        change = Change.objects.first()
        detail = client.get(reverse("admin:reviews_change_change", args=[change.pk]))
        assert detail.status_code == 200 and "deletelink" not in detail.content.decode()
        assert client.get(url).context["action_form"] is None  # no delete action either
        assert client.get(reverse("admin:reviews_change_add")).status_code == 403
        assert client.post(reverse("admin:reviews_change_delete", args=[change.pk]), {"post": "yes"}).status_code == 403
        assert Change.objects.filter(pk=change.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="the in-memory SQLite test database cannot be shared between threads; CI runs this on PostgreSQL",
)
def test_an_author_and_an_owner_restoring_at_once_restore_it_once():
    from tests.concurrency import post_all_at_once

    blind = Blind()
    annotating.delete_comment(blind.member("bob"), blind.comment)
    url = reverse("reviews:comment_restore", args=[blind.review.slug, blind.comment.pk])
    statuses = post_all_at_once([(blind.users["bob"], url, {}), (blind.users["alice"], url, {})])
    assert sorted(statuses) == [302, 409]
    assert Comment.objects.get().deleted_at is None
    assert Change.objects.filter(kind=ChangeKind.COMMENT, before={"deleted": True}).count() == 1


def test_a_settings_change_is_recorded_per_setting_that_changed(blind):
    configuring.change_settings(
        blind.member("alice"), {"required_screeners": 3, "blind": False, "conflict_rule": blind.review.conflict_rule}
    )
    rows = Change.objects.filter(kind=ChangeKind.SETTING).order_by("subject")
    assert [(c.subject, c.before, c.after, c.paper_id, c.user_id) for c in rows] == [
        ("blind", {"value": True}, {"value": False}, None, blind.users["alice"].pk),
        ("required_screeners", {"value": 2}, {"value": 3}, None, blind.users["alice"].pk),
    ]
    page = logged_in(Client(), blind.users["alice"]).get(reverse("reviews:history", args=[blind.review.slug]))
    assert "Required screeners: 2 → 3" in page.content.decode()
