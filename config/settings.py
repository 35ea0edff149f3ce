"""One settings module for every environment.

Nothing set gives the embedded default: a SQLite file and Celery over kombu's filesystem
transport (no broker server). ``DATABASE_URL`` switches to PostgreSQL and ``REDIS_URL`` to a
Redis broker and cache: that is production (see docker-compose.yml and .env.example).
"""

import datetime as dt
import os
from pathlib import Path
from typing import Any, TypedDict
from urllib.parse import urlsplit

from celery.schedules import crontab  # noqa: F401  (handy in CELERY_BEAT_SCHEDULE overrides)
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import database_from_url, env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", default=False)
EMBEDDED_SECRET_KEY = "embedded-insecure-key-change-me"  # noqa: S105  (embedded default only)
SECRET_KEY = env_str("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG and env_str("DATABASE_URL"):
        raise ImproperlyConfigured("SECRET_KEY must be set when DATABASE_URL points at a production database")
    SECRET_KEY = EMBEDDED_SECRET_KEY

# HTTPS=1: the site is served over TLS (directly, or behind a TLS proxy with BEHIND_TLS_PROXY=1).
# It turns on the SSL redirect, HSTS and secure cookies below, and a weak key is refused.
HTTPS = env_bool("HTTPS", default=False)


def _weak_key(key: str) -> bool:
    """The embedded default, Django's generated insecure prefix, or what Django's deploy check
    calls weak (fewer than 50 characters or 5 distinct ones)."""
    return (
        key == EMBEDDED_SECRET_KEY or key.startswith("django-insecure") or len(key) < 50 or len(set(key)) < 5
    )


if HTTPS and not DEBUG and _weak_key(SECRET_KEY):
    raise ImproperlyConfigured(
        "SECRET_KEY is the default or weak: set a random one of at least 50 characters "
        '(python -c "import secrets; print(secrets.token_urlsafe(50))")'
    )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "django_celery_beat",
    "core",
    "governance",
    "stations",
    "disputes",
    "screening",
    "patrols",
    "dashboards",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",  # static files answer here, before the rest
    # HTML and JSON gzipped (the phone home: 24 KB → 8 KB). BREACH (compression of a secret
    # next to reflected input) is acceptable here: Django masks the CSRF token afresh in every
    # response, and the session cookie is never in a body.
    "django.middleware.gzip.GZipMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.IgnoreBrowserLanguageMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # a body beyond one attachment: 413, before a view (or the CSRF check) reads it
    "core.middleware.RequestSizeLimitMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # the phone outbox's fetch() posts: redirects → 200 JSON / 401, a form shown again → 400
    "core.middleware.OutboxMiddleware",
    # full ID/phone numbers shown by a request, written to the access log in one INSERT
    "governance.privacy.AccessLogMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    # login throttling: turns axes' lockout flag into core.lockout's answer (keep it last)
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "governance.context_processors.navigation",
                "core.context_processors.unread",
            ],
        },
    },
]

# the <select> of every form built in Python, as Django's templates would (core.forms)
FORM_RENDERER = "core.forms.FormRenderer"

# --- Database ---------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": database_from_url(DATABASE_URL, base_dir=BASE_DIR)}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "db.sqlite3",
            "OPTIONS": {
                "timeout": 20,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL;",
            },
            # a file, not memory, so that a real Celery worker in a test can share it (one per
            # test process, so that concurrent runs do not collide)
            "TEST": {"NAME": str(VAR_DIR / f"test-{os.getpid()}.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "governance.User"
# Who may do what: one table (role × action), read by services, views, the API and templates.
CAPABILITY_TABLE = "governance.capabilities.TABLE"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # the demo accounts' documented password (demo/plan.py PASSWORD), refused outside the demo
    {"NAME": "core.passwords.NotDemoPasswordValidator", "OPTIONS": {"passwords": ["demo12345"]}},
]
# A demo installation (make run): the demo password may be set again.
DEMO_MODE = env_bool("DEMO_MODE", default=False)

# --- Language and time ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static files (vendored, never from a CDN) ------------------------------------------
STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(VAR_DIR / "staticfiles")))
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # hashed names + gzip copies after collectstatic, plain names before it (core/staticfiles.py)
    "staticfiles": {"BACKEND": "core.staticfiles.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# hashed files (after collectstatic) are cached for ten years (immutable); the rest for an hour
WHITENOISE_MAX_AGE = env_int("WHITENOISE_MAX_AGE", 3600)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# --- Attachments (photos, scans: core.attachments) --------------------------------------
# Stored through Django's storage API: local files under var/media by default (never served by
# a URL of their own: core.attachments.views streams them after the record's scope check), an
# S3-compatible bucket (MinIO in docker-compose.yml) when S3_BUCKET is set.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
S3_BUCKET = env_str("S3_BUCKET", "")
if S3_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": S3_BUCKET,
            "endpoint_url": env_str("S3_ENDPOINT_URL", "") or None,
            "access_key": env_str("S3_ACCESS_KEY_ID", ""),
            "secret_key": env_str("S3_SECRET_ACCESS_KEY", ""),
            "region_name": env_str("S3_REGION", "us-east-1"),
            "default_acl": "private",
            "querystring_auth": True,  # no object is ever public
            "file_overwrite": False,
            "addressing_style": "path",  # MinIO
            "signature_version": "s3v4",
        },
    }
ATTACHMENTS = {
    "MAX_BYTES": env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024),  # per file
    "MAX_PER_RECORD": env_int("ATTACHMENT_MAX_PER_RECORD", 20),
    "MAX_SIDE": env_int("ATTACHMENT_MAX_SIDE", 1600),  # px, longer side, after re-encoding
    "THUMB_SIDE": 320,
    "MAX_PIXELS": env_int("ATTACHMENT_MAX_PIXELS", 40_000_000),  # decompression bombs
}

# --- Cache ------------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Celery -----------------------------------------------------------------------------
# Embedded: kombu's filesystem transport lets the web process and a separate worker (with
# beat) share queues through a folder. Production: Redis.
CELERY_BROKER_DIR = Path(env_str("CELERY_BROKER_DIR", str(VAR_DIR / "celery")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"visibility_timeout": 3600}
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "queue"),
        "data_folder_out": str(CELERY_BROKER_DIR / "queue"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
    }
    for _sub in ("queue", "processed", "control"):
        (CELERY_BROKER_DIR / _sub).mkdir(parents=True, exist_ok=True)
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Every task has time limits (seconds; a scheduled job may set its own, see core.jobs), well
# under the broker's visibility timeout so a task is never redelivered while it still runs.
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 1500)
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 1800)
# Publishing from a web request never waits for a dead broker: one quick try, then the outbox
# relay (core.outbox) publishes it when the broker is back.
CELERY_BROKER_CONNECTION_TIMEOUT = env_int("CELERY_BROKER_CONNECTION_TIMEOUT", 2)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Scheduled jobs (core.jobs.scheduled_task): retries with exponential back-off on transient
# database and broker errors, and time limits.
JOB_MAX_RETRIES = env_int("JOB_MAX_RETRIES", 5)
JOB_RETRY_BACKOFF = env_int("JOB_RETRY_BACKOFF", 5)
JOB_RETRY_BACKOFF_MAX = env_int("JOB_RETRY_BACKOFF_MAX", 600)
JOB_SOFT_TIME_LIMIT = env_int("JOB_SOFT_TIME_LIMIT", 1200)
JOB_TIME_LIMIT = env_int("JOB_TIME_LIMIT", 1500)
# SMS leases: a row claimed for sending longer ago than this goes back to pending (its
# dispatcher died); a failed send is retried after SMS_RETRY_BASE * 2**(attempt-1) seconds, up
# to SMS_MAX_ATTEMPTS attempts in all.
SMS_LEASE_SECONDS = env_int("SMS_LEASE_SECONDS", 300)
SMS_RETRY_BASE = env_int("SMS_RETRY_BASE", 60)
SMS_MAX_ATTEMPTS = env_int("SMS_MAX_ATTEMPTS", 5)
# Outbox relay: a message being published longer ago than this is published again; failed
# publishes back off like SMS.
OUTBOX_LEASE_SECONDS = env_int("OUTBOX_LEASE_SECONDS", 60)
OUTBOX_RETRY_BASE = env_int("OUTBOX_RETRY_BASE", 10)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Default schedules, written to the database by `manage.py setup_schedules` (editable in the
# admin afterwards). Either "every_seconds" or a 5-field "crontab" in TIME_ZONE.
PERIODIC_TASKS = {
    "心跳(调度器存活检查)": {
        "task": "core.heartbeat",
        "every_seconds": 60,
        "description": "每分钟一次;/healthz 显示最近运行时间",
    },
    "案件超期提醒与自动提级": {
        "task": "disputes.case_sweeps",
        "crontab": "*/15 * * * *",
        "description": "每15分钟:超期提醒、超期自动提级、司法确认/移送答复/回访到期提醒",
    },
    "交办签收与督办反馈提醒": {
        "task": "disputes.tiers_sweep",
        "crontab": "*/15 * * * *",
        "description": "每15分钟:交办逾期未签收的提醒承办单位、再逾期通报交办单位;督办逾期未反馈的提醒一次",
    },
    "夜间风险评估": {
        "task": "disputes.risk_nightly",
        "crontab": "30 1 * * *",
        "description": "每天01:30为所有在办案件评分(红/橙/黄/蓝)",
    },
    "过期导出文件清理": {
        "task": "core.exports_expire",
        "crontab": "15 * * * *",
        "description": "每小时:删除超过保留时间的导出文件,中断的导出任务标为失败(可重新导出)",
    },
    "重复警情重算": {
        "task": "stations.repeats_rebuild",
        "crontab": "0 1 * * *",
        "description": "每天01:00按全部警情重算“重复警情”标记(写入时已维护,夜间纠偏)",
    },
    "民转刑重算": {
        "task": "disputes.criminal_turns_rebuild",
        "crontab": "10 1 * * *",
        "description": "每天01:10按全部案件与刑事警情重算“民转刑”记录(写入时已维护,夜间纠偏)",
    },
    "案件月度汇总重算": {
        "task": "disputes.summary_rebuild",
        "crontab": "15 1 * * *",
        "description": "每天01:15按全部案件重算指挥中心的案件月度汇总(案件变更时已维护,夜间纠偏)",
    },
    "排查完整率汇总重算": {
        "task": "screening.summary_rebuild",
        "crontab": "20 1 * * *",
        "description": "每天01:20按全部轮次重算滚动排查完整率汇总(报告提交时已维护,夜间纠偏)",
    },
    "红橙案件核查走访任务": {
        "task": "patrols.visits_sweep",
        "crontab": "*/15 * * * *",
        "description": "每15分钟:为红色、橙色风险案件下发核查走访任务,提醒超期任务",
    },
    "短信发送": {"task": "core.sms_dispatch", "every_seconds": 60, "description": "发送待发短信"},
    "待投递任务": {
        "task": "core.outbox_relay",
        "every_seconds": 30,
        "description": "每30秒:把已提交、尚未投递到消息队列的任务投递出去(消息队列中断后恢复)",
    },
    "滚动排查开轮": {
        "task": "screening.open_rounds",
        "crontab": "0 6 * * *",
        "description": "每天06:00按各县设置开启新一轮滚动排查(默认每周一轮,5天内报告)",
    },
    "滚动排查截止提醒": {
        "task": "screening.reminders",
        "crontab": "5 * * * *",
        "description": "每小时:截止前24小时内提醒未报告网格的网格员",
    },
    "滚动排查逾期通报": {
        "task": "screening.overdue",
        "crontab": "10 * * * *",
        "description": "每小时:截止后仍未报告的网格,通报驻村辅警和派出所",
    },
    "排查未报告扣分": {
        "task": "screening.deduct_missed",
        "crontab": "20 * * * *",
        "description": "每小时:截止7天后仍未报告的网格,扣网格长积分(每网格每轮一次)",
    },
    "以绩定星": {
        "task": "governance.points_monthly_stars",
        "crontab": "0 2 1 * *",
        "description": "每月1日02:00按上月积分评定网格员星级",
    },
    "驻村天数不足提醒": {
        "task": "stations.presence_reminders",
        "crontab": "0 9 15-31 * *",
        "description": "每月15日起每天09:00:挂村民警本月在某村驻村不足规定天数的,提醒一次(每人每村每月一次)",
    },
}
# 一村一警: an attached officer is in each of their villages at least this many days a month.
PRESENCE_MIN_DAYS = env_int("PRESENCE_MIN_DAYS", 3)
# Incident imports with more rows than this run as a Celery task while the page shows progress.
INCIDENT_IMPORT_ASYNC_ROWS = env_int("INCIDENT_IMPORT_ASYNC_ROWS", 500)

# Exports (the case ledger …) of more rows than this are written by a Celery task while the
# page shows progress; the file is kept EXPORT_KEEP_HOURS for its requester, then deleted by the
# hourly cleanup. A job that has not finished EXPORT_STALE_MINUTES after it started (longer
# than the task's time limit) is taken as lost and may be run again.
EXPORT_ASYNC_ROWS = env_int("EXPORT_ASYNC_ROWS", 5000)
# The dashboard map shows at most this many open cases as points: the highest risk scores.
MAP_CASE_POINTS = env_int("MAP_CASE_POINTS", 2000)
EXPORT_KEEP_HOURS = env_int("EXPORT_KEEP_HOURS", 24)
EXPORT_STALE_MINUTES = env_int("EXPORT_STALE_MINUTES", 40)

# 以绩定星: (minimum monthly points, stars), highest first; below the last threshold → 0 stars.
POINTS_STAR_THRESHOLDS = [(40, 5), (30, 4), (20, 3), (10, 2), (1, 1)]

# --- API --------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "core.lockout.ThrottledBasicAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    # a body nested too deep is a 400 (bodies are capped by DATA_UPLOAD_MAX_MEMORY_SIZE)
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
}
# Request bodies (forms and the API; uploaded files are not counted) larger than this are refused.
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024)
SPECTACULAR_SETTINGS = {
    "TITLE": _("县域基层治理平台 API"),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # every operation documents its error answers (400/401/403/404/409/415/429: core.schema)
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.add_error_responses",
    ],
    # 满意/基本满意/不满意: the follow-up's satisfaction and the tiers evaluation share one choice set
    "ENUM_NAME_OVERRIDES": {
        "SatisfactionEnum": "disputes.models.FollowUp.Satisfaction",
        # three "outcome" choice sets: a mediation session's, a visit check-in's, a court ruling's
        "SessionOutcomeEnum": "disputes.models.MediationSession.Outcome",
        "VisitOutcomeEnum": "stations.models.VisitOutcome",
        "RulingOutcomeEnum": "disputes.tiers.models.ReferralRuling.Outcome",
    },
    # the schema and its docs page are for signed-in users, like every other page and route
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    # the docs page (/api/v1/docs/) loads Swagger UI from the vendored copy, never a CDN
    "SWAGGER_UI_DIST": "/" + STATIC_URL.strip("/") + "/vendor/swagger-ui",
    "SWAGGER_UI_FAVICON_HREF": "",
}

# --- Security in production -------------------------------------------------------------
# With HTTPS=1 (see the top) and DEBUG=0, `manage.py check --deploy` is clean; each setting can
# still be set on its own.
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=SESSION_COOKIE_SECURE)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=HTTPS)
# the load balancer's probe may call /healthz over plain HTTP inside the network
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=HTTPS)
# behind a TLS proxy (nginx, a load balancer) that sets X-Forwarded-Proto: https
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_TLS_PROXY") else None
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Login throttling and lockout (django-axes; core.lockout answers the locked-out caller): after
# LOGIN_FAILURE_LIMIT wrong passwords for one account or from one address, that account or
# address is refused for LOGIN_LOCKOUT_MINUTES, on the login form, the admin and HTTP basic auth.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_bool("LOGIN_THROTTLING", default=True)
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = dt.timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "core.lockout.lockout_response"
AXES_VERBOSE = False

# --- Project settings -------------------------------------------------------------------
PAGE_SIZE = env_int("PAGE_SIZE", 25)
# Tests that need PostgreSQL, Redis or a Celery worker skip when the service is absent,
# unless this is set (CI sets it): then an absent service is a failure.
REQUIRE_SERVICES = env_bool("REQUIRE_SERVICES", default=False)

# Dispute cases: due dates per handling level and the deadlines around them (configurable).
# SMS gateway: the console backend logs messages; set SMS_BACKEND to a class implementing
# core.notifications.SmsBackend for a real gateway.
SMS_BACKEND = env_str("SMS_BACKEND", "core.notifications.ConsoleSmsBackend")
# Pause between chunks of a scheduled sweep (seconds), to spread its load on a busy database.
SWEEP_CHUNK_SIZE = env_int("SWEEP_CHUNK_SIZE", 200)
SWEEP_CHUNK_PAUSE = float(env_str("SWEEP_CHUNK_PAUSE", "0") or 0)
# Cases per chunk of a sweep whose notices are written by one INSERT … SELECT (the overdue
# reminders): each chunk its own transaction.
SWEEP_SELECT_CHUNK_SIZE = env_int("SWEEP_SELECT_CHUNK_SIZE", 5000)
# Map tiles for the dashboard map: none by default (police networks are closed); set an internal
# tile server URL such as http://tiles.internal/{z}/{x}/{y}.png to draw a base map.
DASHBOARD_TILE_URL = env_str("DASHBOARD_TILE_URL", "")


def _tile_origin(url: str) -> str:
    parts = urlsplit(url)
    return f" {parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


# Content-Security-Policy (core.middleware): scripts only from our static files, never inline.
CONTENT_SECURITY_POLICY = env_str(
    "CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    f"img-src 'self' data: blob:{_tile_origin(DASHBOARD_TILE_URL)}; font-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'",
)
# A 红/橙 case's risk visit must be made (a check-in in its village or grid) within this many hours.
VISIT_TASK_HOURS = env_int("VISIT_TASK_HOURS", 48)
# A check-in with a position within this many metres of its grid's (village's) boundary is verified.
VISIT_VERIFY_DISTANCE_M = env_int("VISIT_VERIFY_DISTANCE_M", 500)


class DisputesSettings(TypedDict):
    FEEDBACK_HOURS: dict[str, int]
    MEDIATION_DAYS: dict[str, int]
    JUDICIAL_CONFIRMATION_DAYS: int
    JUDICIAL_CONFIRMATION_WARN_DAYS: int
    REFERRAL_ANSWER_DAYS: int
    FOLLOW_UP_DAYS: list[int]
    ESCALATION_GRACE_HOURS: int
    EXTENSION_MAX_COUNT: int
    EXTENSION_MAX_DAYS: int
    WORKING_DAYS: dict[str, bool]


DISPUTES: DisputesSettings = {
    # feedback after a report: the grid answers within 24 h (微事不出网格)
    "FEEDBACK_HOURS": {"grid": 24, "village": 48, "township": 72, "county": 72},
    # mediation is normally settled within 30 days of acceptance at each level
    "MEDIATION_DAYS": {"grid": 30, "village": 30, "township": 30, "county": 30},
    "JUDICIAL_CONFIRMATION_DAYS": 30,  # apply to the court within 30 days of the agreement
    "JUDICIAL_CONFIRMATION_WARN_DAYS": 7,  # warn this many days before the window lapses
    "REFERRAL_ANSWER_DAYS": 15,  # default due date for an answer to a referral
    "FOLLOW_UP_DAYS": [7, 30],  # 回访 after closure
    "ESCALATION_GRACE_HOURS": 24,  # past its due date by this much, a case goes up one level
    # (a red or orange case's handling deadline is shorter: the risk policy, disputes.RiskRuleSet)
    # 延期: at most this many approved extensions per case, each of at most this many days
    "EXTENSION_MAX_COUNT": 2,
    "EXTENSION_MAX_DAYS": 30,
    # which day counts are working days (core.workdays: weekends, holidays, make-up days):
    # the handling deadline's days, an extension's days
    "WORKING_DAYS": {"handling": False, "extension": True},
}

# Every tier acts (disputes.tiers): a hand-on (交办) is acknowledged (签收) within ACK_HOURS, else
# the receiver is reminded, and ACK_ESCALATE_HOURS later the handing unit and the county are told;
# duplicate reports are looked for among the cases of the last DUPLICATE_WINDOW_DAYS days
TIERS: dict[str, int] = {
    "ACK_HOURS": env_int("TIERS_ACK_HOURS", 24),
    "ACK_ESCALATE_HOURS": env_int("TIERS_ACK_ESCALATE_HOURS", 24),
    "DUPLICATE_WINDOW_DAYS": env_int("TIERS_DUPLICATE_WINDOW_DAYS", 30),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# the embedded SQLite database has no covering indexes: ``disputes.DisputeCase``'s open-case index
# is created there without its included columns (it is PostgreSQL's index-only scan that needs them)
SILENCED_SYSTEM_CHECKS = ["models.W040"]
