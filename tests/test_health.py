import pytest

pytestmark = pytest.mark.django_db


def test_health_reports_database_broker_and_storage_ok(client):
    response = client.get("/health/")
    assert response.status_code == 200, response.json()
    checks = response.json()["checks"]
    assert {name: c["status"] for name, c in checks.items()} == {
        "database": "ok",
        "broker": "ok",
        "storage": "ok",
    }


def test_health_answers_503_naming_the_broker_when_it_is_unreachable(client, settings):
    from config.celery import app

    previous = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/health/")
    finally:
        app.conf.broker_url = previous
    assert response.status_code == 503
    assert response.json()["checks"]["broker"]["status"] == "error"
