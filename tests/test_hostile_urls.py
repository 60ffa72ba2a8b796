"""Every URL of the project, fed hostile path values and form data by every kind of visitor: never a 5xx.

The URLs come from the resolver, the admin's included, so a new view is walked without being listed here. Each
request runs in a savepoint that is rolled back, so one request's changes (a deleted review, a logout) never
change what the next one meets, and a database error cannot poison the test's transaction on PostgreSQL.
"""

import logging
import re
import sys

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django import forms
from django.apps import apps
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.signals import got_request_exception
from django.db import transaction
from django.test import Client, override_settings
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern
from django.utils.http import urlencode, urlsafe_base64_encode
from django_filters import FilterSet

from papers.models import DuplicateCandidate, EnrichmentAttempt, ImportBatch, Paper, PaperAlias
from papers.tasks import run_import_job, start_import
from reviews import priority
from reviews.models import (
    Change,
    Comment,
    ExclusionReason,
    Invitation,
    Membership,
    PaperTag,
    PriorityRanking,
    Role,
    Score,
    ScreeningDecision,
    Tag,
)
from tests.factories import make_paper

ROUTE_PARAMETER = re.compile(r"<(?:[^>:]+:)?(?P<name>\w+)>")
REGEX_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")

# Put into a path as they are: percent escapes stay escapes, so %00 arrives as a NUL.
HOSTILE_PATH_VALUES = [
    "0",
    "-1",
    str(2**63),
    str(10**20),
    "%00",
    "2201.11903%00",
    "%ED%A0%80",
    "..",
    "../../..",
    "x" * 5_000,
    "hep-th/9711200",
    "math.GT/0309136v2/..",
    "%20",
]
# What a form may be sent besides our own forms' fields: the admin's controls and its login/password forms.
ADMIN_FIELD_NAMES = {
    "action", "_selected_action", "select_across", "index", "apply", "post", "_save", "_continue",
    "_addanother", "q", "p", "o", "e", "all", "term", "app_label", "model_name", "field_name", "next",
    "password", "password1", "password2", "old_password", "new_password1", "new_password2", "usable_password",
    "survivor", "submitted", "primary_category__exact", "import_batches__id__exact", "review__id__exact",
}  # fmt: skip


def form_field_names() -> list[str]:
    """Every field name a form or filter of papers and reviews declares, every model field, the admin's controls."""
    names = set(ADMIN_FIELD_NAMES)
    for base, fields_of in ((forms.BaseForm, "base_fields"), (FilterSet, "base_filters")):
        pending = [base]
        while pending:
            cls = pending.pop()
            pending.extend(cls.__subclasses__())
            if cls.__module__.split(".")[0] in ("papers", "reviews"):
                names.update(getattr(cls, fields_of, {}))
    for app_label in ("papers", "reviews"):
        for model in apps.get_app_config(app_label).get_models():
            names.update(field.name for field in model._meta.get_fields() if field.concrete)
    return sorted(names)


FIELD_NAMES = form_field_names()
PAYLOADS = {
    "NUL bytes": {name: "a\x00b" for name in FIELD_NAMES},
    # A query string that long is more than servers accept, so GETs carry 10k characters (see Visitor.send).
    "100k-character strings": {name: "x" * 100_000 for name in FIELD_NAMES},
    "2**63": {name: str(2**63) for name in FIELD_NAMES},
    "10**30": {name: str(10**30) for name in FIELD_NAMES},
    "-1": {name: "-1" for name in FIELD_NAMES},
    "lists": {name: ["1", "-1", "x" * 300] for name in FIELD_NAMES},
    "search syntax": {name: "-" * 50 + " !!! &| :* ' \\ \" <-> a:*" for name in FIELD_NAMES},
    "empty strings": {name: "" for name in FIELD_NAMES},
    # Sent as a raw url-encoded body or query string: invalid UTF-8 that a browser could send.
    "lone surrogates": "&".join(f"{name}=%ED%A0%80" for name in FIELD_NAMES),
}


def url_templates():
    """(template, parameter names, admin model or None) for every URL pattern; parameters as {name}."""
    admin_models = {f"admin/{model._meta.app_label}/{model._meta.model_name}/": model for model in admin.site._registry}

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern.pattern, RegexPattern):
                part = REGEX_GROUP.sub(r"{\g<name>}", str(pattern.pattern)).replace("^", "").replace("$", "")
            else:
                part = ROUTE_PARAMETER.sub(r"{\g<name>}", str(pattern.pattern))
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + part)
            else:
                template = "/" + prefix + part
                names = tuple(re.findall(r"{(\w+)}", template))
                model = next((m for p, m in admin_models.items() if template.startswith("/" + p)), None)
                yield template, names, model

    return sorted(set(walk(get_resolver().url_patterns, "")), key=lambda t: t[0])


class Rollback(Exception):
    def __init__(self, response):
        self.response = response


class Visitor:
    """A test client as one kind of user, whose session survives whatever a request does to it."""

    def __init__(self, label, user):
        self.label = label
        self.client = Client(raise_request_exception=False)
        if user is not None:
            self.client.force_login(user)
        self.session = self.client.cookies.get(settings.SESSION_COOKIE_NAME)

    def send(self, method, url, payload):
        """GET with ``payload`` as the query string, or POST it as a url-encoded form (a dict of lists: multipart)."""
        multipart = (
            method == "post" and isinstance(payload, dict) and any(isinstance(v, list) for v in payload.values())
        )
        if method == "get" and isinstance(payload, dict):
            payload = {name: value[:10_000] if isinstance(value, str) else value for name, value in payload.items()}
        query = payload if isinstance(payload, str) else urlencode(payload, doseq=True)
        if method == "get":
            args, kwargs = (f"{url}?{query}" if query else url,), {}
        elif multipart:
            args, kwargs = (url, payload), {}
        else:
            args, kwargs = (url, query), {"content_type": "application/x-www-form-urlencoded"}
        try:
            with transaction.atomic():
                raise Rollback(getattr(self.client, method)(*args, **kwargs))
        except Rollback as rollback:
            response = rollback.response
        if self.session is not None:
            self.client.cookies[settings.SESSION_COOKIE_NAME] = self.session.value
        return response


@pytest.fixture
def world(team):
    """The team's review with one of everything a URL can name, and a staff superuser."""
    root = get_user_model().objects.create_superuser("root", "root@example.org", "pw")
    old_style = make_paper("hep-th/9711200", abstract="Large N limits of \x02superconformal\x03 theories.")
    team.review.add_papers([old_style.pk])
    reason = ExclusionReason.objects.create(review=team.review, label="Survey")
    tag = Tag.objects.create(review=team.review, name="Benchmark")
    PaperTag.objects.create(review=team.review, paper=team.paper, tag=tag, applied_by=team.bob)
    Score.objects.create(review=team.review, paper=team.paper, user=team.bob, value=4)
    ScreeningDecision.objects.create(review=team.review, paper=team.paper, user=team.bob, decision="exclude")
    quote = "instruction tuning"
    start = team.paper.abstract.index(quote)
    comment = Comment.objects.create(
        review=team.review,
        paper=team.paper,
        author=team.bob,
        body="Which models?",
        quote=quote,
        quote_start=start,
        quote_end=start + len(quote),
    )
    # A row for the history's admin pages to show.
    Change.objects.create(review=team.review, paper=team.paper, user=team.bob, kind="decision", at=comment.created_at)
    ImportBatch.objects.create(file_name="seed.txt", format="arxiv-dump", imported_by=root).papers.add(team.paper)
    EnrichmentAttempt.objects.create(paper=team.paper, source="arxiv", outcome="failed", attempted_at=root.date_joined)
    Group.objects.create(name="curators")
    # A possible duplicate (the review's page, the admin) and the record of a merge (the admin).
    twin = make_paper(title="InstructBLIP: instruction tuning", abstract="Vision-language instruction tuning.")
    team.review.add_papers([twin.pk])
    candidate = DuplicateCandidate.objects.create(paper_a=team.paper, paper_b=twin, score=95)
    PaperAlias.objects.create(key="paper-999", paper=team.paper, merged_display_id="doi:10.1/gone")
    # An import job, run at once (tests/conftest.py), and a task queued on the database backend for its admin.
    job = start_import(root, [SimpleUploadedFile("world.jsonl", b'{"title": "A world"}\n')])
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        run_import_job.enqueue(job.pk)
    # Login throttling's records (django-axes), which the admin lists so that a curator can unlock a user.
    seen = {"username": "eve", "ip_address": "203.0.113.7", "user_agent": "test", "path_info": "/accounts/login/"}
    AccessAttempt.objects.create(**seen, get_data="", post_data="", failures_since_start=1)
    AccessFailureLog.objects.create(**seen)
    AccessLog.objects.create(**seen)
    invitation = Invitation.objects.invite(team.review, "nina@example.org", Role.REVIEWER, invited_by=team.alice)
    # A priority order, ranked (its admin, and the list sorted by it).
    ranking = PriorityRanking.objects.create(review=team.review, user=None)
    priority.retrain(ranking.pk)
    team.root = root
    team.real_values = {
        "slug": team.review.slug,
        "key": team.paper.key,
        "paper_id": team.paper.pk,
        "tag_id": tag.pk,
        "comment_id": comment.pk,
        "membership_id": Membership.objects.get(review=team.review, role=Role.REVIEWER, user=team.bob).pk,
        "reason_id": reason.pk,
        "invitation_id": invitation.pk,
        "candidate_id": candidate.pk,
        "token": invitation.token,
        "uidb64": urlsafe_base64_encode(str(team.bob.pk).encode()),  # a password reset link's user
        "id": team.bob.pk,  # the admin's password form for a user
        "app_label": "papers",
        "url": "no-such-page/",
        "content_type_id": ContentType.objects.get_for_model(Paper).pk,
        "chart": "prisma",
        "fmt": "csv",
        "job_id": job.pk,
    }
    return team


def real_values(world, names, model):
    values = dict(world.real_values)
    if model is not None:
        values["object_id"] = model._default_manager.order_by("pk").first().pk
    else:
        values["object_id"] = world.paper.pk
    missing = [name for name in names if name not in values]
    assert not missing, f"add a real value for the URL parameter(s) {missing} to the world fixture"
    return {name: values[name] for name in names}


def test_no_url_answers_a_hostile_request_with_a_server_error(world, caplog):
    caplog.set_level(logging.CRITICAL, logger="django.request")
    caplog.set_level(logging.CRITICAL, logger="django.security")
    exceptions = []

    def record_exception(sender, request, **kwargs):
        # Sent from inside the handler's except block, so the exception is the one being handled.
        exceptions.append(sys.exc_info()[1])

    visitors = [
        Visitor("anonymous", None),
        Visitor("outsider", world.eve),
        Visitor("observer", world.olivia),
        Visitor("reviewer", world.bob),
        Visitor("owner", world.alice),
        Visitor("superuser", world.root),
    ]
    owner, superuser = visitors[4], visitors[5]
    failures, requests = [], 0

    def check(visitor, method, url, payload_name, payload):
        nonlocal requests
        requests += 1
        exceptions.clear()
        response = visitor.send(method, url, payload)
        if response.status_code < 500:
            return
        report = (
            f"{method.upper()} {url[:120]} as {visitor.label} with {payload_name}: {response.status_code} "
            + "; ".join(repr(exception)[:150] for exception in exceptions)
        )
        failures.append(report)

    templates = url_templates()
    payload_names = list(PAYLOADS)
    got_request_exception.connect(record_exception)
    try:
        for index, (template, names, model) in enumerate(templates):
            values = real_values(world, names, model)
            url = template.format(**values)
            in_admin = template.startswith("/admin/")
            privileged = superuser if in_admin else owner
            # Every visitor meets every URL, each with a different payload in turn ...
            for offset, visitor in enumerate(visitors):
                payload_name = payload_names[(index + offset) % len(payload_names)]
                for method in ("get", "post"):
                    check(visitor, method, url, payload_name, PAYLOADS[payload_name])
            # ... the visitor who may do most meets it with every payload on the site, and with three in turn in
            # the admin, whose pages are alike from model to model and slow to render ...
            sweep = payload_names if not in_admin else [payload_names[(index + i) % len(PAYLOADS)] for i in (1, 4, 7)]
            for payload_name in sweep:
                for method in ("get", "post"):
                    check(privileged, method, url, payload_name, PAYLOADS[payload_name])
            # ... and with every hostile value in each path parameter.
            for name in names:
                for hostile in HOSTILE_PATH_VALUES:
                    hostile_url = template.format(**{**values, name: hostile})
                    for method in ("get", "post"):
                        check(privileged, method, hostile_url, f"{name}={hostile[:20]}", {})
    finally:
        got_request_exception.disconnect(record_exception)

    assert len(templates) > 90, "the walk should reach the site's and the admin's URLs"
    assert not failures, f"{len(failures)} of {requests} requests got a server error:\n" + "\n".join(failures)


def test_a_next_that_is_not_a_url_is_not_a_server_error(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.bob)

    response = client.post(
        reverse("reviews:score", args=[world.review.slug, world.paper.pk]), {"value": "3", "next": "-1"}
    )

    assert response.status_code == 302
    assert response.url == reverse("reviews:paper", args=[world.review.slug, world.paper.arxiv_id])


def test_an_autocomplete_value_that_is_not_an_id_is_not_a_server_error(world):
    client = Client(raise_request_exception=False)
    client.force_login(world.root)

    response = client.get(reverse("admin:reviews_tag_add"), {"review": "abc"})
    refused = client.post(reverse("admin:reviews_membership_add"), {"review": "1" * 30, "user": "x", "role": "owner"})

    assert response.status_code == 200
    assert refused.status_code == 200
    assert "Select a valid choice" in refused.text
