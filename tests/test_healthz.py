"""/healthz for load balancers: 200 when the database answers and every migration is applied, 503 and why not."""

import json
from unittest import mock

from django.db import InterfaceError, OperationalError, connection
from django.db.migrations import Migration
from django.db.migrations.executor import MigrationExecutor


def test_a_healthy_site_answers_200_with_a_small_json_body(client, db, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok", "migrations": "applied"}
    assert "no-cache" in response["Cache-Control"]


def test_it_needs_no_login_and_starts_no_session(client, db):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert not response.cookies
    assert "Cookie" not in response.get("Vary", "")


def test_an_unapplied_migration_is_a_503_naming_it(client, db):
    pending = Migration("0099_something_new", "reviews")
    with mock.patch.object(MigrationExecutor, "migration_plan", return_value=[(pending, False)]):
        response = client.get("/healthz")

    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["status"] == "unavailable"
    assert body["unapplied_migrations"] == ["reviews.0099_something_new"]
    assert body["count"] == 1


def test_an_unreachable_database_is_a_503(client, db):
    refused = OperationalError('connection to server at "127.0.0.1", port 5432 failed: Connection refused')
    with mock.patch.object(connection, "cursor", side_effect=refused):
        response = client.get("/healthz")

    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "unreachable"}


def test_a_dropped_connection_is_a_503(client, db):
    with mock.patch.object(connection, "cursor", side_effect=InterfaceError("connection already closed")):
        response = client.get("/healthz")

    assert response.status_code == 503


def test_it_only_answers_get(client, db):
    assert client.post("/healthz").status_code == 405


def test_a_load_balancer_probing_by_address_over_http_gets_the_answer(client, db, settings):
    settings.ALLOWED_HOSTS = ["marginalia.example.org"]
    settings.SECURE_SSL_REDIRECT = True

    response = client.get("/healthz", HTTP_HOST="10.0.0.5:8000")

    assert response.status_code == 200
    assert client.get("/papers/", HTTP_HOST="10.0.0.5:8000").status_code == 400
