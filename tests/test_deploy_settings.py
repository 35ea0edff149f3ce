"""Production settings: with DEBUG=0 and HTTPS=1, `manage.py check --deploy` reports nothing
(HSTS, SSL redirect behind a TLS proxy, secure cookies, a strong key), and a default or weak key
is refused outright. Run in a subprocess, since settings are read from the environment once."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", ""),
    }
    return subprocess.run(  # noqa: S603  (our own manage.py)
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


PRODUCTION = {"DEBUG": "0", "HTTPS": "1", "BEHIND_TLS_PROXY": "1", "ALLOWED_HOSTS": "gov.example.cn"}


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, SECRET_KEY=secrets.token_urlsafe(50)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_reports_the_missing_tls_settings_without_https():
    result = _manage("check", "--deploy", DEBUG="0", SECRET_KEY=secrets.token_urlsafe(50))
    for code in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert code in result.stderr + result.stdout


def test_a_default_or_weak_key_is_refused_in_production():
    for key in ["", "x", "django-insecure-" + secrets.token_urlsafe(50), "embedded-insecure-key-change-me"]:
        env = {**PRODUCTION, "SECRET_KEY": key} if key else dict(PRODUCTION)
        result = _manage("check", **env)
        assert result.returncode != 0
        assert "SECRET_KEY is the default or weak" in result.stderr, key


def test_healthz_is_not_redirected_to_https(client, db, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/login/").status_code == 301
