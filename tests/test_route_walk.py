"""Walk every API route the URL resolver knows, as a user of another clinic, as a patient-portal
user of the same clinic (the object belongs to another patient) and as an anonymous caller.

Nobody but clinic A's team may read or change clinic A's objects: a detail route answers 404
(or 403/405), a list never contains them, anonymous callers get 401. A route that no app's
`tests/<app>/walk.py` registers fails the suite, so a new route cannot escape the walk.
"""

import importlib
import uuid

import pytest
from django.urls import get_resolver, reverse
from django.urls.resolvers import URLPattern, URLResolver

WALK_MODULES = ["tests.clinics.walk", "tests.labs.walk", "tests.imaging.walk"]
UNSAFE_METHODS = ("post", "put", "patch", "delete")


def _registry():
    routes, public = {}, set()
    for name in WALK_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        routes.update(module.ROUTES)
        public |= getattr(module, "PUBLIC", set())
    return routes, public


def _api_routes():
    """(url name, methods) for every route under the v1 namespace."""
    found = []

    def visit(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                visit(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and namespace == "v1" and entry.name:
                callback = entry.callback
                actions = getattr(callback, "actions", None)
                if actions:
                    methods = sorted(actions)
                else:
                    view = callback.view_class
                    methods = sorted(
                        m for m in ("get", "post", "put", "patch", "delete") if hasattr(view, m)
                    )
                found.append((f"v1:{entry.name}", tuple(methods)))

    visit(get_resolver().url_patterns, None)
    # Format-suffix duplicates are the same view.
    return sorted({(name, methods) for name, methods in found})


ROUTES, PUBLIC = _registry()
API_ROUTES = _api_routes()


def test_every_api_route_is_covered_by_the_walk():
    missing = [name for name, _ in API_ROUTES if name not in ROUTES and name not in PUBLIC]
    assert not missing, f"Add these routes to a tests/<app>/walk.py: {missing}"


def _clinic_a_ids(cast, kwargs) -> set[str]:
    ids = {str(v) for v in kwargs.values() if isinstance(v, uuid.UUID | str)}
    return ids | {str(cast.patient_a.pk), str(cast.other_patient_a.pk), str(cast.clinic_a.pk)}


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "methods"), [r for r in API_ROUTES if r[0] not in PUBLIC])
def test_another_clinics_user_can_neither_see_nor_touch_clinic_a(cast, api, name, methods):
    kwargs = ROUTES[name](cast)
    url = reverse(name, kwargs=kwargs)
    client = api(cast.clinician_b)
    for method in methods:
        if not kwargs and method != "get":
            continue  # creating in one's own clinic is not a tenancy question
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code < 500, (method, url, response.content[:300])
        if kwargs:
            assert response.status_code in (404, 403, 405), (method, url, response.status_code)
        else:
            body = response.content.decode()
            leaked = [i for i in _clinic_a_ids(cast, kwargs) if i in body]
            assert not leaked, (url, leaked)


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "methods"), [r for r in API_ROUTES if r[0] not in PUBLIC])
def test_a_patient_user_cannot_reach_another_patients_record(cast, api, name, methods):
    kwargs = ROUTES[name](cast)
    url = reverse(name, kwargs=kwargs)
    client = api(cast.patient_user_a)
    for method in methods:
        if not kwargs and method != "get":
            continue
        response = getattr(client, method)(url, {}, format="json")
        assert response.status_code < 500, (method, url, response.content[:300])
        if kwargs:
            assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        else:
            body = response.content.decode()
            assert str(cast.other_patient_a.pk) not in body, url


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "methods"), [r for r in API_ROUTES if r[0] not in PUBLIC])
def test_an_anonymous_caller_is_asked_to_authenticate(cast, api, name, methods):
    url = reverse(name, kwargs=ROUTES[name](cast))
    for method in methods:
        response = getattr(api(None), method)(url, {}, format="json")
        assert response.status_code == 401, (method, url, response.status_code)
