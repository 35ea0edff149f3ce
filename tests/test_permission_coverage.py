"""Every route of the project is in the permission matrix.

The tables are the ``ROUTES`` of every ``tests/test_permissions*.py`` module (one per app or two,
found by name, so a new table needs no registration). Here the resolver is walked for every
namespace and every named URL, and the API router for every basename: each must be requested by
some row, so a new app, page or viewset fails this test until it has rows. Nothing is skipped
silently: the one namespace no table holds is the Django admin's (``NOT_IN_MATRIX``), and it is
checked below in its own terms; the routes an anonymous visitor may use are declared
(``PUBLIC``) and their rows assert that anonymous users reach them.
"""

import importlib
from pathlib import Path

import pytest
from django.http import HttpResponse
from django.test import override_settings
from django.urls import include, path, reverse
from django.urls.resolvers import RegexPattern

from config.urls import urlpatterns as project_urlpatterns
from governance.capabilities import TABLE, may

from .permission_matrix import (
    ACTORS,
    ByCapability,
    Route,
    api_basenames,
    api_route_names,
    uncovered,
    url_patterns,
)

TABLES = sorted(p.stem for p in Path(__file__).parent.glob("test_permissions*.py"))


def table_routes() -> dict[str, list[Route]]:
    return {name: importlib.import_module(f"{__package__}.{name}").ROUTES for name in TABLES}


def all_routes() -> list[Route]:
    return [route for routes in table_routes().values() for route in routes]


# Namespaces no table holds, each with why.
NOT_IN_MATRIX = {
    # The Django admin: its own permission system (is_staff, then each ModelAdmin's model
    # permissions), not the capability table. Its gate is in the matrix (admin:index,
    # admin:login in tests/test_permissions_project.py), and
    # test_every_admin_page_is_behind_the_admin_login sends every other admin URL anonymously
    # and as accounts that are not staff.
    "admin": "the Django admin",
}

# The routes an anonymous visitor may use: the rows whose anonymous status is not "sign in first"
# (302 to a sign-in page, 403 from the API) are exactly these, and those rows assert it.
PUBLIC = {
    "login": "the sign-in page",
    "admin:login": "the admin's sign-in page",
    "healthz": "the health probe of the load balancer and the orchestrator, which do not sign in",
    "set_language": "Django's language switch: the login page offers it before anyone signs in",
    "javascript-catalog": "the JS translations every page loads, the login page too",
    "service-worker": "the phone service worker script: the browser fetches it at its update checks, signed in or not; it holds no one's data",
}
# Static files are served by the URLconf only with DEBUG (staticfiles_urlpatterns, unnamed); the
# tests run without it, and a production server serves them itself.


def _namespace(name: str) -> str:
    return name.rsplit(":", 1)[0] if ":" in name else ""


def named_urls() -> set[str]:
    """Every named URL of the resolver, every namespace, less the namespaces NOT_IN_MATRIX."""
    return {
        name
        for name in url_patterns()
        if name and not name.endswith(":") and _namespace(name).split(":")[0] not in NOT_IN_MATRIX
    }


def routes_missing_rows(routes) -> list[str]:
    """The named URLs and API routes (every basename of the router) that no row requests."""
    return uncovered(routes, names=named_urls(), api_basenames=api_basenames())


def test_every_table_has_rows_and_a_test():
    assert "test_permissions" in TABLES and len(TABLES) >= 7, TABLES
    for name, routes in table_routes().items():
        module = importlib.import_module(f"{__package__}.{name}")
        assert routes, f"{name}: ROUTES is empty"
        assert hasattr(module, "test_permissions"), f"{name}: no test_permissions(route, …) runs its ROUTES"


def test_every_named_url_of_every_namespace_is_in_a_table():
    missing = routes_missing_rows(all_routes())
    by_namespace: dict[str, list[str]] = {}
    for name in missing:
        by_namespace.setdefault(_namespace(name) or "(no namespace)", []).append(name)
    assert not missing, "add rows to a tests/test_permissions*.py table for:\n" + "\n".join(
        f"  {ns}: {', '.join(names)}" for ns, names in sorted(by_namespace.items())
    )


def test_every_api_route_of_every_basename_is_in_a_table():
    basenames = api_basenames()  # every viewset the router has (config/api_urls.py)
    assert "points" in basenames and "cases" in basenames
    covered = {route.name for route in all_routes()}
    missing = sorted(api_route_names(basenames) - covered)
    assert not missing, f"add rows for the API routes {missing}"
    for basename in basenames:
        assert api_route_names([basename]) & covered, f"no row requests the API basename {basename!r}"


def test_no_row_names_a_route_that_does_not_exist():
    known = {name for name in url_patterns() if name and not name.endswith(":")}
    stale = sorted({route.name for route in all_routes()} - known)
    assert not stale, f"rows for URL names the resolver does not know: {stale}"


def test_every_row_names_every_actor():
    for route in all_routes():
        assert route.named_actors() == set(ACTORS), route


def test_unnamed_patterns_are_the_admins_own():
    """A pattern without a name cannot be requested by a row: only the admin has any (its
    redirects from an object's old URL and its catch-all), under its namespace."""
    unnamed = {name for name in url_patterns() if not name or name.endswith(":")}
    assert unnamed <= {"admin:"}, unnamed


def test_the_public_routes_are_exactly_the_declared_ones():
    public = {route.name for route in all_routes() if route.is_public}
    assert public == set(PUBLIC), (
        f"anonymous users reach {sorted(public - set(PUBLIC))} (declare them in PUBLIC, with why, "
        f"or fix the route); the rows no longer say so for {sorted(set(PUBLIC) - public)}"
    )


# --- A new namespace fails the check -----------------------------------------------------
def _new_page(request):
    return HttpResponse("new")


urlpatterns = [
    *project_urlpatterns,
    path("new/", include(([path("", _new_page, name="page")], "newapp"))),
]


def test_a_new_namespace_without_rows_fails_the_check():
    with override_settings(ROOT_URLCONF=__name__):
        assert "newapp:page" in named_urls()
        assert routes_missing_rows(all_routes()) == ["newapp:page"]
    assert routes_missing_rows(all_routes()) == []


# --- The admin, in its own terms ---------------------------------------------------------
def _admin_urls() -> list[tuple[str, str]]:
    urls = []
    for name, patterns in sorted(url_patterns().items()):
        if not name.startswith("admin:") or name.endswith(":"):
            continue
        pattern = patterns[0].pattern
        if isinstance(pattern, RegexPattern):  # app_list: ^(?P<app_label>auth|governance|…)/$
            kwargs = dict.fromkeys(pattern.regex.groupindex, "governance")
        else:
            kwargs = dict.fromkeys(pattern.converters, "1")
        urls.append((name, reverse(name, kwargs=kwargs)))
    return urls


@pytest.mark.parametrize("actor", ["anonymous", "norole", "station_a", "grid_g1"])
def test_every_admin_page_is_behind_the_admin_login(actor, world, client):
    """Every admin URL (pages of every model, object pages, the site's own views) sends anyone
    who is not staff to the admin's login page; its logout sends them to the index, which does."""
    if actor != "anonymous":
        client.force_login(world.user(actor))
    login, index = reverse("admin:login"), reverse("admin:index")
    urls = _admin_urls()
    assert len(urls) > 50 and ("admin:login", login) in urls
    wrong = []
    for name, url in urls:
        if name == "admin:login":
            continue
        response = client.get(url)
        location = response.headers.get("Location", "")
        target = index if name == "admin:logout" else login
        if response.status_code != 302 or not location.startswith(target):
            wrong.append(f"{name} {url}: {response.status_code} {location}")
    assert not wrong, f"{actor} reaches admin pages:\n" + "\n".join(wrong)


# --- The actors' roles, which the capability rows read ----------------------------------
ACTOR_ROLES = {
    "admin": "admin",  # a superuser acts as administrator
    "county": "county",
    "station_a": "station",
    "station_b": "station",
    "aux_v1": "auxiliary",
    "grid_g1": "grid",
    "mediator_t1": "mediator",
    "township_a": "township",
    "liaison_hrss": "liaison",
    "norole": "",  # may nothing
}


def test_each_actor_acts_in_its_role(world):
    """``by_capability`` asks the table with the world's user for each actor: these are the roles
    it finds (one actor for every role, and one with none)."""
    assert {actor: TABLE.role_of(world.user(actor)) for actor in ACTOR_ROLES} == ACTOR_ROLES
    assert set(ACTOR_ROLES) == set(ACTORS) - {"anonymous"}
    assert set(ACTOR_ROLES.values()) - {""} == set(TABLE.roles)


def test_every_capability_row_allows_someone(world):
    """A capability row where no actor the route is about may act would prove nothing."""
    for route in all_routes():
        if isinstance(route.expected, ByCapability):
            scope = route.expected.scope or ACTOR_ROLES
            assert any(may(world.user(a), route.expected.code) for a in scope), route
