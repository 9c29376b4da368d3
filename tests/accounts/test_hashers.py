"""Password hashes: Argon2id at OWASP's parameters; older hashes still log in and are upgraded."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password

from tests.factories import UserFactory

PASSWORD = "a long and unusual passphrase"


def test_new_passwords_are_hashed_with_argon2id_at_owasp_parameters():
    encoded = make_password(PASSWORD)

    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert identify_hasher(encoded).verify(PASSWORD, encoded)


@pytest.mark.django_db
def test_a_hash_made_with_djangos_default_parameters_logs_in_and_is_upgraded(api_client):
    user = UserFactory(password=Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt()))
    assert "m=102400" in user.password

    response = api_client.post("/api/api-token-auth/", {"username": user.email, "password": PASSWORD}, format="json")

    assert response.status_code == 200
    user.refresh_from_db()
    assert "m=19456,t=2,p=1" in user.password
