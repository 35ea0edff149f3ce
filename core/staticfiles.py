"""The static files storage: WhiteNoise's compressed, hashed files after ``collectstatic``.

``collectstatic`` (the Dockerfile runs it) writes every file under a content-hashed name with
its gzip copy and the manifest ``staticfiles.json``; ``{% static %}`` then links the hashed
names and WhiteNoise serves them with a ten-year ``Cache-Control: immutable`` (a change makes
a new name, so a phone never keeps an old script). Before ``collectstatic`` has run — a fresh
clone, ``make test``, ``make run`` — there is no manifest: the plain names are linked and
WhiteNoise serves them from the app folders (``WHITENOISE_USE_FINDERS``), compressed on the
fly by nothing but still cheap, so the suite needs no build step."""

from django.contrib.staticfiles.storage import HashedFilesMixin
from whitenoise.storage import CompressedManifestStaticFilesStorage  # type: ignore[import-untyped]


def _without_source_maps(patterns):
    """Django's reference patterns less the ``sourceMappingURL`` ones: the vendored builds
    (static/vendor) name source maps that are not shipped, and nothing loads them."""
    return tuple(
        (ext, tuple(p for p in pats if "sourceMappingURL" not in (p if isinstance(p, str) else p[0])))
        for ext, pats in patterns
    )


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    manifest_strict = False
    patterns = _without_source_maps(HashedFilesMixin.patterns)

    def stored_name(self, name: str) -> str:
        if not self.hashed_files:  # no manifest yet (collectstatic has not run): the plain name
            return name
        return super().stored_name(name)
