"""One settings module for every environment.

Safe by default: without ``DJANGO_DEBUG=1`` the portal runs as in production and refuses to
start unless ``DJANGO_SECRET_KEY``, ``DJANGO_ALLOWED_HOSTS`` and ``EMAIL_URL`` (a real SMTP
server: reminders printed to a console in production are lost) are set. ``make run`` and
``make test`` ask for debug, and then the portal runs on the embedded default: a SQLite file,
a local-memory cache and eager Celery tasks. ``DATABASE_URL`` switches to PostgreSQL and
``REDIS_URL`` to Redis for the cache and the Celery broker, in either mode.
"""

from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)


def required(variable: str, meaning: str) -> str:
    """A production setting with no default: a start without it stops with one line that names
    the variable, in Chinese and English."""
    value = env.str(variable, default="").strip()
    if not value:
        raise SystemExit(
            f"启动失败：未设置环境变量 {variable}（{meaning}）；开发环境请设置 DJANGO_DEBUG=1。"
            f" / Refusing to start: {variable} is required when DJANGO_DEBUG is off."
        )
    return value


if DEBUG:
    SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="dev-only-insecure-key-never-use-in-production")
    ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
else:
    SECRET_KEY = required("DJANGO_SECRET_KEY", "会话与签名密钥")
    ALLOWED_HOSTS = [host.strip() for host in required("DJANGO_ALLOWED_HOSTS", "网站域名，逗号分隔").split(",")]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
# How many reverse proxies we run stand in front of the portal (deploy/'s nginx: 1). The client's
# address is then read from the X-Forwarded-For entries they wrote, never from what the client
# sent; 0 reads the socket. Every limit (点单, registration, the API, logins) uses
# core.client_address.client_ip.
PORTAL_TRUSTED_PROXIES = env.int("PORTAL_TRUSTED_PROXIES", default=0)

INSTALLED_APPS = [
    "portal.admin_site.PortalAdminConfig",  # django.contrib.admin with the work queue on its home page
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "import_export",
    "simple_history",
    "axes",
    "csp",
    "easy_thumbnails",
    "core",
    "organizations",
    "projects",
    "volunteers",
    "indicators",
    "portal",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "portal.middleware.ForcePasswordChange",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Below CSPMiddleware, so it sees the response first: admin pages only get inline styles.
    "portal.middleware.AdminInlineStyles",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it inspects the response of the login view.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

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
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=60 if not DEBUG else 0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and sessions -------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "TIMEOUT": 300,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # A Redis outage must degrade into cache misses, never into 500s.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 0.5,
            },
            # Parallel test workers share one Redis: each keeps to its own prefix.
            "KEY_PREFIX": "portal" + env.str("PYTEST_XDIST_WORKER", default=""),
        }
    }
    DJANGO_REDIS_IGNORE_EXCEPTIONS = True
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are written to the database and only cached: losing Redis logs nobody out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

# --- Auth ---------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)  # hours; finite on purpose
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The login lockout counts per client address, read as every other limit reads it.
AXES_CLIENT_IP_CALLABLE = "core.client_address.client_ip"
AXES_LOCKOUT_TEMPLATE = "axes/lockout.html"
LOGIN_URL = "admin:login"
# Where a staff login lands when its ?next= is refused (another site) or missing: by role.
LOGIN_REDIRECT_URL = "after_login"
# A refused form (expired page, no cookie) gets the site's Chinese page, not Django's English one.
CSRF_FAILURE_VIEW = "portal.errors.csrf_failure"

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and media ---------------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
MEDIA_URL = "/media/"
# Production: nginx sends the uploaded files. The media view checks who may see a file and
# answers with ``X-Accel-Redirect: <prefix><name>``; nginx serves that internal location from
# MEDIA_ROOT (README → Production). Empty (development): Python sends the bytes itself.
PORTAL_MEDIA_ACCEL_PREFIX = env.str("PORTAL_MEDIA_ACCEL_PREFIX", default="")
MEDIA_ROOT = Path(env.str("DJANGO_MEDIA_ROOT", default=str(BASE_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # No inline style: the admin alone adds 'unsafe-inline' (portal.middleware).
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Email --------------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env.str("DJANGO_DEFAULT_FROM_EMAIL", default="桂城党建 <noreply@guicheng.local>")
if DEBUG:
    # Development prints mail to the console, unless EMAIL_URL names a server.
    vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
else:
    _email_url = required("EMAIL_URL", "发送提醒邮件的 SMTP 服务器，如 smtp+tls://user:pass@smtp.example.org:587")
    if not _email_url.startswith(("smtp://", "smtps://", "smtp+tls://", "smtp+ssl://")):
        raise SystemExit(
            "启动失败：EMAIL_URL 必须是 SMTP 服务器（smtp://、smtp+tls:// 或 smtp+ssl://），"
            "生产环境不能把提醒邮件打印到控制台。 / Refusing to start: EMAIL_URL must name an SMTP server."
        )
    vars().update(env.email_url_config(_email_url))

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Periodic work, defined in code (the beat process reads it).
CELERY_BEAT_SCHEDULE = {
    "organizations-clear-expired-sessions": {
        "task": "organizations.tasks.clear_expired_sessions",
        "schedule": 60 * 60 * 6,
    },
    # Daily; the task itself sends each stale-project reminder at most once per quarter.
    "projects-remind-stale": {
        "task": "projects.tasks.remind_stale_projects",
        "schedule": crontab(hour=9, minute=0),
    },
    # The 数读 snapshots, rechecked (a change to a record marks them stale; this catches bulk writes
    # without signals and figures that move with the date).
    "indicators-refresh-figures": {
        "task": "indicators.tasks.refresh_key_figures",
        # Seconds; deploy/prod-check.sh sets a few, to see the beat's entry run on the worker.
        "schedule": env.int("INDICATORS_REFRESH_SECONDS", default=60 * 15),
    },
}

# --- Import / export ----------------------------------------------------------------------
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False
IMPORT_EXPORT_IMPORT_PERMISSION_CODE = "add"
IMPORT_EXPORT_EXPORT_PERMISSION_CODE = "view"

# --- History ------------------------------------------------------------------------------
SIMPLE_HISTORY_REVERT_DISABLED = True
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# --- API ----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "core.api_defaults.Pagination",
    "PAGE_SIZE": 50,
    # Tokens for the apps and cookie login (the site's and the admin's, with CSRF). The token
    # class first, so an anonymous call to a staff endpoint gets a 401 with WWW-Authenticate.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "core.api_defaults.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Safe by default: a view that serves the public says so with AllowAny.
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON only: the browsable API needs inline script, which the CSP refuses; Swagger UI reads.
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["core.api_defaults.AnonThrottle", "core.api_defaults.UserThrottle"],
    "EXCEPTION_HANDLER": "core.api_defaults.exception_handler",
}
# Requests per client: anonymous by IP, logged in by user. A lobby screen polling a few
# endpoints every minute stays far below; a scraper does not.
API_THROTTLE_RATES = {
    "anon": env.str("API_THROTTLE_ANON", default="120/min"),
    "user": env.str("API_THROTTLE_USER", default="600/min"),
    # The token login, per IP: besides django-axes's lockout of a username.
    "token": env.str("API_THROTTLE_TOKEN", default="10/min"),
}
# Days an API token lives; then it is a 401 (and deleted) until the app logs in again.
API_TOKEN_LIFETIME_DAYS = env.int("API_TOKEN_LIFETIME_DAYS", default=30)
SPECTACULAR_SETTINGS = {
    "TITLE": "桂城党建 API",
    "DESCRIPTION": (
        "桂城街道党建工作平台的开放接口：公开数据（社区、党群服务中心、书记工程、730、星级荣誉榜、"
        "志愿活动、数读）无需登录即可读取；社区书记、街道工作人员和志愿者登录（Cookie 或 Token）后，"
        "在与管理后台相同的工作范围内填报和办理。"
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ProjectStatusEnum": "projects.models.SecretaryProject.Status",
        "SignupStatusEnum": "volunteers.models.Signup.Status",
        "ServiceRecordStatusEnum": "volunteers.models.ServiceRecord.Status",
        "ServiceOrderStatusEnum": "volunteers.models.ServiceOrder.Status",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", default="WARNING")},
    "loggers": {
        # Ignored Redis errors are logged here, once per failed call.
        "django_redis": {"level": "ERROR"},
    },
}

# --- Images -------------------------------------------------------------------------------
# Progress photos keep their own display copy and thumbnail (projects.models.UpdatePhoto); the
# thumbnails easy-thumbnails made before them are still served (core.uploads), from here.
THUMBNAIL_BASEDIR = "thumbs"
PORTAL_MAX_PHOTO_BYTES = env.int("PORTAL_MAX_PHOTO_BYTES", default=8 * 1024 * 1024)
# Pixels, read from the file's header before anything is decoded: a decoded photo takes 3-4
# bytes a pixel (twice while it is re-encoded without metadata), and a few KB of PNG can claim
# hundreds of millions of them. 40 M is twice a 20-megapixel phone camera's photo.
PORTAL_MAX_PHOTO_PIXELS = env.int("PORTAL_MAX_PHOTO_PIXELS", default=40_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# The largest request the portal takes: a progress update with nine photos (the API's limit) and
# its form fields. nginx's client_max_body_size is rendered from it (manage.py nginx_site).
PORTAL_MAX_REQUEST_BYTES = 9 * PORTAL_MAX_PHOTO_BYTES + DATA_UPLOAD_MAX_MEMORY_SIZE

# --- Portal -------------------------------------------------------------------------------
# 书记工程 / 730: an item is 滞后 when its percent lags the share of the year elapsed by more
# than this many percentage points (or it had no update this quarter).
PROJECTS_LAG_MARGIN = env.int("PROJECTS_LAG_MARGIN", default=15)
# A secretary may correct their own progress update for this long after posting it.
PROJECTS_UPDATE_EDIT_WINDOW_MINUTES = env.int("PROJECTS_UPDATE_EDIT_WINDOW_MINUTES", default=30)
# 数读: how long a street's stored snapshot is read without a recheck (a change to a record makes it
# stale at once; the beat entry rechecks it sooner).
INDICATORS_FIGURES_CACHE_SECONDS = env.int("INDICATORS_FIGURES_CACHE_SECONDS", default=60 * 60)
# A subject under rectification is visited at least this often (seed 004: 定期跟踪指导).
INDICATORS_VISIT_INTERVAL_DAYS = env.int("INDICATORS_VISIT_INTERVAL_DAYS", default=30)

from import_export.formats.base_formats import CSV, XLSX  # noqa: E402

IMPORT_EXPORT_FORMATS = [XLSX, CSV]

# --- Volunteers ---------------------------------------------------------------------------
# Points earned per confirmed service hour (rounded half up to a whole point per record).
VOLUNTEERS_POINTS_PER_HOUR = env.int("VOLUNTEERS_POINTS_PER_HOUR", default=10)
# Members without a post who may hold one responsibility post at once, unless the post says.
VOLUNTEERS_POST_CLAIM_LIMIT = env.int("VOLUNTEERS_POST_CLAIM_LIMIT", default=5)
# An open 点单 nobody has acted on for this many days is flagged as stale.
VOLUNTEERS_ORDER_STALE_DAYS = env.int("VOLUNTEERS_ORDER_STALE_DAYS", default=3)
# Hours files with more data rows than this are imported in the background (Celery).
VOLUNTEERS_IMPORT_BACKGROUND_ROWS = env.int("VOLUNTEERS_IMPORT_BACKGROUND_ROWS", default=500)
# A background hours import that has shown no progress for this long lost its worker: the task,
# retried, starts the check again (a chunk of rows takes seconds).
VOLUNTEERS_IMPORT_STALE_SECONDS = env.int("VOLUNTEERS_IMPORT_STALE_SECONDS", default=600)

# The lobby big screen (/screen/) fetches its panels again every this many seconds.
SCREEN_REFRESH_SECONDS = env.int("SCREEN_REFRESH_SECONDS", default=60)
# … and shows its next group (a few 数读 tiles, a chart, the week's activities) every this many.
SCREEN_ROTATE_SECONDS = env.int("SCREEN_ROTATE_SECONDS", default=15)
