"""ADMIN_ALLOWED_NETWORKS: the admin answers only the networks allowed, as the load balancer reports the client."""

import pytest

pytestmark = pytest.mark.django_db


def test_without_an_allow_list_the_admin_answers_everyone(client, settings):
    settings.ADMIN_ALLOWED_NETWORKS = []

    assert client.get("/admin/login/", REMOTE_ADDR="203.0.113.7").status_code == 200


def test_the_admin_answers_the_networks_allowed_and_refuses_the_others(client, settings):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8", "2001:db8::/32"]

    inside = client.get("/admin/login/", REMOTE_ADDR="10.1.2.3")
    inside_v6 = client.get("/admin/login/", REMOTE_ADDR="2001:db8::5")
    outside = client.get("/admin/login/", REMOTE_ADDR="203.0.113.7")
    posted = client.post("/admin/login/", {"username": "a@b.c", "password": "x"}, REMOTE_ADDR="203.0.113.7")

    assert (inside.status_code, inside_v6.status_code) == (200, 200)
    assert outside.status_code == 403
    assert outside.json() == {"detail": "The admin is not open to your network.", "code": "permission_denied"}
    assert posted.status_code == 403


def test_behind_the_load_balancer_the_address_it_saw_counts(client, settings):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8"]
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    allowed = client.get("/admin/login/", REMOTE_ADDR="172.31.0.9", HTTP_X_FORWARDED_FOR="10.9.9.9")
    # A client claiming an allowed address in front of its own does not pass: the last hop counts.
    forged = client.get("/admin/login/", REMOTE_ADDR="172.31.0.9", HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.7")

    assert allowed.status_code == 200
    assert forged.status_code == 403


def test_the_api_and_the_site_are_not_concerned(client, settings):
    settings.ADMIN_ALLOWED_NETWORKS = ["10.0.0.0/8"]

    assert client.get("/api/product/", REMOTE_ADDR="203.0.113.7").status_code == 200
