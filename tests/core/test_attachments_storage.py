"""Where attachments are stored: local files under var/media with nothing configured, an
S3-compatible bucket (MinIO in docker-compose.yml, through django-storages) when S3_BUCKET is
set, private (no ACL that makes an object public; the app streams files after the scope check)."""

import os
import subprocess
import sys

from django.conf import settings

PROBE = (
    "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings'); django.setup();"
    "from django.conf import settings; from django.core.files.storage import default_storage as s;"
    "o = settings.STORAGES['default'];"
    "print(o['BACKEND'], getattr(s, 'bucket_name', '-'), getattr(s, 'default_acl', '-'),"
    " getattr(s, 'endpoint_url', '-'), settings.MEDIA_ROOT)"
)


def _probe(**env: str) -> list[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("S3_")}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=settings.BASE_DIR,
        env={**clean, "SECRET_KEY": "x", **env},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.split()


def test_local_files_under_var_by_default():
    backend, _bucket, _acl, _endpoint, media_root = _probe()
    assert backend == "django.core.files.storage.FileSystemStorage"
    assert media_root.endswith("/media") and "var" in media_root


def test_an_s3_compatible_private_bucket_when_configured():
    backend, bucket, acl, endpoint, _root = _probe(
        S3_BUCKET="attachments",
        S3_ENDPOINT_URL="http://minio:9000",
        S3_ACCESS_KEY_ID="k",
        S3_SECRET_ACCESS_KEY="s",
    )
    assert backend == "storages.backends.s3.S3Storage"
    assert (bucket, acl, endpoint) == ("attachments", "private", "http://minio:9000")


def test_media_is_never_served_by_a_url_of_its_own():
    from django.urls import get_resolver

    patterns = [str(p.pattern) for p in get_resolver().url_patterns]
    assert not any(p.startswith(("media", "var")) for p in patterns)
