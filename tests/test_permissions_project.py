"""The permission matrix of the project-level routes (``config/urls.py``): the landing page,
signing in and out, the language switch and the JS catalogue, the health check, the API root,
schema and docs, and the gate of the Django admin × every actor × method → status.

The routes any anonymous visitor may use are the public ones
(``tests/test_permission_coverage.py``: ``PUBLIC``, where each says why); every other row sends
anonymous users to sign in. The admin's own pages are checked there too (every admin URL is
behind the admin's login); here is its gate: staff accounts only.
"""

import pytest

from .permission_matrix import api, by_capability, capability_rows, check_route, expect, page

EVERYONE = expect(200)
STAFF = ("admin", "county")  # is_staff: the Django admin (a flag of the account, not a capability)


ROUTES = [
    # sign-in and the landing page (a phone-first role, the grid worker, is sent on to the phone
    # home page)
    page("home", expected=by_capability("ui.phone_first", allowed=302, denied=200)),
    page("login", expected=expect(302, anonymous=200)),  # signed in already: to the landing page
    page("logout", method="post", expected=expect(302)),  # anonymous: to the login page, as everyone
    # the language switch (the login page has it) and the JS catalogue (every page loads it)
    page(
        "set_language",
        method="post",
        data={"language": "en", "next": "/cases/"},
        login_url="disputes:case-list",  # public: anonymous users are sent on like everyone else
        expected=expect(302, anonymous=302),
    ),
    page("javascript-catalog", expected=expect(200, anonymous=200)),
    # every signed-in user changes their own password (anonymous: to the login page)
    page("password-change", expected=EVERYONE),
    page("password-change", method="post", expected=EVERYONE),  # the form again, with its errors
    page("password-change-done", expected=EVERYONE),
    # the load balancer's probe
    page("healthz", expected=expect(200, anonymous=200)),
    # the phone service worker (no data of anyone: the shell's URLs and the work list's paths)
    page("service-worker", expected=expect(200, anonymous=200)),
    # the API root, schema and docs: for those signed in
    api("api-root", expected=EVERYONE),
    api("api-schema", expected=EVERYONE),  # anonymous: 403, like the rest of the API
    page("api-docs", expected=EVERYONE),  # anonymous: to the login page
    # the Django admin: staff accounts only; the rest are sent to its own login page
    page(
        "admin:index",
        login_url="admin:login",
        expected=expect(302, **dict.fromkeys(STAFF, 200)),
    ),
    page(
        "admin:login",
        note="staff already signed in go on to the index",
        expected=expect(200, anonymous=200, **dict.fromkeys(STAFF, 302)),
    ),
]


def route_id(route) -> str:
    return f"{route} {route.note}".strip()


@pytest.mark.parametrize("route", ROUTES, ids=route_id)
def test_permissions(route, world, client):
    check_route(client, world, route)


@pytest.mark.parametrize("route", capability_rows(ROUTES), ids=route_id)
def test_the_capability_decides(route, world, client):
    """With the row's capability withdrawn from every role, nobody gets what it allowed."""
    check_route(client, world, route, withdraw=True)
