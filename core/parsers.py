"""The API's JSON parser (``REST_FRAMEWORK["DEFAULT_PARSER_CLASSES"]``): DRF's, with a body nested
too deep for the decoder refused with a 400 instead of a server error. (The body size is capped by
Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``, which DRF reads the body through; the error mapper
answers 400.) Apart from ``core.api``: DRF's settings import this while its views are loading."""

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser; a body nested too deep for the decoder is a 400, not a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("请求内容嵌套层数过多。")) from None
