"""The error answers of the API, written into the OpenAPI schema once for every operation.

Every route can answer with the one error body of ``core.errors.api_exception_handler``:
``{"detail": "…"}`` or field errors ``{"field": ["…"]}``. A client (and schemathesis) reads from
the schema which of them an operation gives:

* 400: bad input (a body, a filter, a page number, an id that is no record number);
* 401 / 403: not signed in, or a role that may not do this (429: too many failed logins);
* 404: a record that does not exist or lies outside the user's scope (the two are one answer);
* 409: a write that lost a race or works from an old version (If-Match / ``version``);
* 413: a body larger than one attachment and its form (``core.middleware.RequestSizeLimitMiddleware``);
* 415: a body in a format the API does not read.

Added by a postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) so no view needs
its own ``@extend_schema(responses=…)``.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

ERROR_SCHEMA = "ErrorResponse"
SAFE = {"get", "head", "options"}

_ALWAYS = {
    "400": _("输入有误(请求内容、筛选条件、页码或编号不合规定)"),
    "401": _("未登录或登录已失效"),
    "403": _("当前角色无权进行此操作"),
    "404": _("记录不存在或不在您的管辖范围内"),
    "429": _("登录失败次数过多,暂时锁定"),
}
_WRITES = {
    "409": _("操作冲突:记录已被他人修改或状态已变化,请刷新后重试"),
    "413": _("请求内容过大"),
    "415": _("请求内容的格式不受支持"),
}


def _error_component() -> dict[str, Any]:
    return {
        "type": "object",
        "description": str(_("错误说明:detail 为总的说明,其余键为各字段的错误列表。")),
        "properties": {"detail": {"type": "string"}},
        "additionalProperties": True,
    }


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: every operation documents the error answers it may
    give, each with the one error body."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault(ERROR_SCHEMA, _error_component())
    ref = {"$ref": f"#/components/schemas/{ERROR_SCHEMA}"}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            codes = dict(_ALWAYS) | ({} if method in SAFE else _WRITES)
            for code, description in codes.items():
                operation["responses"].setdefault(
                    code,
                    {"description": str(description), "content": {"application/json": {"schema": ref}}},
                )
    return result
