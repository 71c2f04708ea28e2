"""Bearer tokens for API clients: obtain, use, refresh, revoke; throttled login."""

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def login(api, username, password=PASSWORD):
    return api(None).post("/api/v1/auth/token/", {"username": username, "password": password})


def test_a_login_returns_access_and_refresh_tokens_that_work(cast, api):
    tokens = login(api, "clinician_a").json()
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    assert client.get("/api/v1/patients/").status_code == 200


def test_it_rejects_a_wrong_password(cast, api):
    assert login(api, "clinician_a", "wrong").status_code == 401


def test_a_refresh_token_gives_a_new_access_token(cast, api):
    tokens = login(api, "clinician_a").json()
    refreshed = api(None).post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert refreshed.status_code == 200
    assert refreshed.json()["access"]


def test_a_revoked_refresh_token_no_longer_refreshes(cast, api):
    tokens = login(api, "clinician_a").json()
    assert (
        api(None).post("/api/v1/auth/token/revoke/", {"refresh": tokens["refresh"]}).status_code
        == 200
    )
    again = api(None).post("/api/v1/auth/token/refresh/", {"refresh": tokens["refresh"]})
    assert again.status_code == 401


def test_an_expired_access_token_is_refused(cast, api):
    from datetime import timedelta

    from rest_framework_simplejwt.tokens import AccessToken

    token = AccessToken.for_user(cast.clinician_a)
    token.set_exp(lifetime=-timedelta(seconds=1))
    client = api(None)
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    assert client.get("/api/v1/patients/").status_code == 401


def test_login_attempts_are_throttled(cast, api):
    statuses = [login(api, "clinician_a", "wrong").status_code for _ in range(12)]
    assert statuses[:10] == [401] * 10
    assert statuses[-1] == 429


def test_me_lists_my_clinics_and_roles(cast, api):
    response = api(cast.patient_user_a).get("/api/v1/me/")
    assert response.status_code == 200
    [membership] = response.json()["memberships"]
    assert membership["role"] == "patient"
    assert membership["patient"] == str(cast.patient_a.id)
