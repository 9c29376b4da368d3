"""An email names one account: one canonical form, compared byte for byte on every database."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import connection

from accounts.models import User, email_normalize
from tests.factories import DEFAULT_PASSWORD, UserFactory

LOGIN = "/api/api-token-auth/"
SIGNUP = "/api/signup/"
FAILURE = {"detail": "authorization failure", "non_field_errors": ["authorization failure"], "code": "login_failed"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def victim(db):
    return UserFactory(email="victim@example.com")


@pytest.mark.parametrize(
    "lookalike",
    [
        "víctim@example.com",
        "vìctim@example.com",
        "victim@exämple.com",
        "vi\u0301ctim@example.com",
        "victím@example.com",
    ],
)
def test_accented_variant_of_an_email_does_not_log_in(api_client, victim, lookalike):
    response = api_client.post(LOGIN, {"username": lookalike, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 400
    assert response.json() == FAILURE


@pytest.mark.parametrize(
    "spelling",
    ["VICTIM@Example.COM", "  victim@example.com\u3000", "\uff56ictim@example.com", "victim@\uff45xample.com"],
)
def test_spellings_of_the_same_email_log_in_to_its_account(api_client, victim, spelling):
    response = api_client.post(LOGIN, {"username": spelling, "password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200


def test_spellings_of_one_account_share_its_throttle_counter(api_client, victim, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "login_ip": "100/min", "login_account": "2/min"}
    spellings = ["VICTIM@example.com", " victim@example.com ", "\uff56ictim@example.com"]

    statuses = [
        api_client.post(
            LOGIN, {"username": s, "password": "guess"}, format="json", REMOTE_ADDR=f"10.0.3.{i}"
        ).status_code
        for i, s in enumerate(spellings)
    ]

    assert statuses == [400, 400, 429]


def test_accented_variants_do_not_share_the_accounts_password(api_client, victim, settings):
    # Each accent variant used to reach the victim's account with a fresh throttle counter of its own.
    variants = ["víctim", "vìctim", "vîctim", "vïctim", "vĩctim", "vįctim"]

    statuses = {
        api_client.post(
            LOGIN, {"username": f"{v}@example.com", "password": DEFAULT_PASSWORD}, format="json"
        ).status_code
        for v in variants
    }

    assert statuses == {400}


def test_signup_of_a_lookalike_of_an_existing_email_is_refused(api_client, victim):
    body = {"first_name": "Eve", "last_name": "Mallory", "password": "a long passphrase"}

    response = api_client.post(SIGNUP, {**body, "email": "victim@\uff45xample.com"}, format="json")

    assert response.status_code == 400
    assert response.json()["error"] == "An account with this email already exists."
    assert User.objects.count() == 1


def test_signup_with_another_domain_that_only_differs_by_an_accent_is_another_account(api_client, victim):
    body = {"first_name": "Eve", "last_name": "Mallory", "password": "a long passphrase"}

    response = api_client.post(SIGNUP, {**body, "email": "victim@exämple.com"}, format="json")

    assert response.status_code == 201
    assert set(User.objects.values_list("email", flat=True)) == {"victim@example.com", "victim@exämple.com"}


@pytest.mark.parametrize(
    "email, canonical",
    [
        (" Ada@Example.COM ", "ada@example.com"),
        ("\u212aelvin@example.com", "kelvin@example.com"),
        ("\u017fhopper@example.com", "shopper@example.com"),
        ("ada@\uff45xample.com\u3000", "ada@example.com"),
        ("ada@exa\u0301mple.com", "ada@exámple.com"),
    ],
)
def test_email_normalize_gives_one_stable_canonical_form(email, canonical):
    assert email_normalize(email) == canonical
    assert email_normalize(canonical) == canonical


@pytest.mark.mysql
def test_email_column_compares_bytes_on_mysql():
    if connection.vendor != "mysql":
        pytest.skip("MySQL/MariaDB only: SQLite and PostgreSQL compare bytes already")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT collation_name FROM information_schema.columns "
            "WHERE table_schema = DATABASE() AND table_name = 'accounts_user' AND column_name = 'email'"
        )
        (collation,) = cursor.fetchone()

    assert collation == "utf8mb4_bin"


def test_migration_brings_stored_emails_to_the_canonical_form(victim):
    migration = importlib.import_module("accounts.migrations.0002_email_canonical_and_exact")
    other = UserFactory(email="other@example.com")
    User.objects.filter(pk=other.pk).update(email="Other@\uff45xample.com")
    clash = UserFactory(email="clash@example.com")
    User.objects.filter(pk=clash.pk).update(email="VICTIM@example.com")  # its canonical form is taken

    migration.canonical_emails(apps, SimpleNamespace(connection=connection))  # it only reads .connection

    assert User.objects.get(pk=other.pk).email == "other@example.com"
    assert User.objects.get(pk=clash.pk).email == "VICTIM@example.com"
    assert User.objects.get(pk=victim.pk).email == "victim@example.com"
