#!/usr/bin/env bash
# make prod-check: the portal as deploy/ runs it in production, started from this checkout and
# checked through nginx. nginx (installed from Debian when missing) serves deploy/nginx's site,
# rendered for the checkout with a self-signed certificate; gunicorn, the Celery worker and beat
# run the ExecStart lines of deploy/systemd; PostgreSQL (a database of its own, created and
# dropped here) and Redis (db 1, emptied first) are the machine's. Production mode: no
# DJANGO_DEBUG, a generated secret key. One line per check, "ok …" or "FAIL …"; exits non-zero on
# any failure, and stops everything it started whatever happens.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
PY="$ROOT/.venv/bin/python"
STARTED_AT=$(date +%s)
LIMIT_SECONDS=300

HTTPS_PORT=${PRODCHECK_HTTPS_PORT:-8443}
HTTP_PORT=${PRODCHECK_HTTP_PORT:-8080}
APP_PORT=${PRODCHECK_APP_PORT:-8002}
POSTGRES=${PRODCHECK_POSTGRES:-postgres://postgres@127.0.0.1:5432}
DATABASE=${PRODCHECK_DATABASE:-prodcheck}
REDIS=${PRODCHECK_REDIS:-redis://127.0.0.1:6379/1}
SITE="https://127.0.0.1:$HTTPS_PORT"
CLIENT_A=127.0.0.2
CLIENT_B=127.0.0.3
CLIENT_C=127.0.0.4 # reads the 数读 figures while the others use up their limits

TMP=$(mktemp -d /tmp/prodcheck.XXXXXX)
PIDS=()
GROUPS_STARTED=()
FAILED=0
STATIC_PROBE=""

say() { echo "prod-check: $*"; }
ok() { echo "ok   $*"; }
fail() {
    echo "FAIL $*"
    FAILED=1
}
check() { # description, then a command that succeeds when the check holds
    local what=$1
    shift
    if "$@"; then ok "$what"; else fail "$what"; fi
}

# --- Starting and stopping --------------------------------------------------------------------

start() { # name, command…: its own session, so the whole process group is stopped at the end
    local name=$1
    shift
    setsid "$@" >"$TMP/$name.log" 2>&1 &
    PIDS+=("$!")
    GROUPS_STARTED+=("$!")
    echo "$!" >"$TMP/$name.pid"
}

unit_command() { # the ExecStart of a deploy/systemd unit, for this checkout
    sed -n 's/^ExecStart=//p' "deploy/systemd/$1" | sed "s#/srv/portal/app#$ROOT#g"
}

postgres() { # one SQL statement on the server's maintenance database
    "$PY" - "$POSTGRES/postgres" "$1" <<'EOF'
import sys

import psycopg2

connection = psycopg2.connect(sys.argv[1])
connection.autocommit = True
connection.cursor().execute(sys.argv[2])
EOF
}

stop_all() {
    local pid
    for pid in "${PIDS[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || true; done
    for _ in $(seq 1 60); do
        local alive=0
        for pid in "${PIDS[@]}"; do kill -0 -- "-$pid" 2>/dev/null && alive=1; done
        [ "$alive" = 0 ] && break
        sleep 0.25
    done
    for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
    PIDS=()
}

cleanup() {
    local status=$?
    stop_all
    [ -n "$STATIC_PROBE" ] && rm -f "$STATIC_PROBE"
    postgres "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)" 2>/dev/null || true
    if [ "$status" != 0 ] || [ "$FAILED" != 0 ]; then
        for log in "$TMP"/*.log; do
            [ -s "$log" ] || continue
            echo "--- $(basename "$log") (last lines)"
            tail -n 25 "$log"
        done
    fi
    rm -rf "$TMP"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# --- nginx --------------------------------------------------------------------------------------

NGINX=$(command -v nginx || true)
[ -z "$NGINX" ] && [ -x /usr/sbin/nginx ] && NGINX=/usr/sbin/nginx
if [ -z "$NGINX" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        say "installing Debian's nginx-light"
        # Debian starts a service on install; this check runs its own nginx and leaves none behind.
        policy=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            policy=/usr/sbin/policy-rc.d
            printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy"
        fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
        [ -n "$policy" ] && rm -f "$policy"
        NGINX=/usr/sbin/nginx
    else
        fail "nginx is missing and cannot be installed here (needs root and apt-get)"
        exit 1
    fi
fi

for port in "$HTTPS_PORT" "$HTTP_PORT" "$APP_PORT"; do
    port_free "$port" || {
        fail "port $port is already taken"
        exit 1
    }
done

# --- Production settings --------------------------------------------------------------------------

unset DJANGO_DEBUG CELERY_TASK_ALWAYS_EAGER
DJANGO_SECRET_KEY=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(50))')
DJANGO_ADMIN_PASSWORD=$("$PY" -c 'import secrets; print(secrets.token_urlsafe(16))')
export DJANGO_SECRET_KEY DJANGO_ADMIN_PASSWORD
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_CSRF_TRUSTED_ORIGINS="$SITE"
# Nothing listens there: nothing in the check sends mail, and a start needs an SMTP server named.
export EMAIL_URL=smtp://127.0.0.1:2
export DATABASE_URL="$POSTGRES/$DATABASE"
export REDIS_URL="$REDIS"
export DJANGO_MEDIA_ROOT="$TMP/media"
export PORTAL_MEDIA_ACCEL_PREFIX=/protected-media/
export PORTAL_TRUSTED_PROXIES=1
export PORTAL_GUNICORN_BIND="127.0.0.1:$APP_PORT"
export PORTAL_GUNICORN_WORKERS=2
export PORTAL_CELERY_CONCURRENCY=1
export PORTAL_BEAT_SCHEDULE="$TMP/celerybeat-schedule"
export INDICATORS_REFRESH_SECONDS=4
export API_THROTTLE_ANON=20/min
export DJANGO_LOG_LEVEL=WARNING

say "database $DATABASE, Redis $REDIS, nginx on 127.0.0.1:$HTTPS_PORT (TLS) and :$HTTP_PORT"
postgres "DROP DATABASE IF EXISTS $DATABASE WITH (FORCE)"
postgres "CREATE DATABASE $DATABASE"
# Rate-limit counters of an earlier run would still count for the same addresses.
"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1]).flushdb()' "$REDIS"

# Side by side where they can (the machine's two cores): static files and the deploy checks
# need no database.
start collectstatic "$PY" manage.py collectstatic --noinput
start check-deploy "$PY" manage.py check --deploy --fail-level WARNING
"$PY" manage.py migrate --noinput >"$TMP/migrate.log" 2>&1
# The README's upgrade step: display copies and thumbnails of photos stored before they existed.
"$PY" manage.py photo_sizes >>"$TMP/migrate.log" 2>&1
wait "$(cat "$TMP/collectstatic.pid")"
if wait "$(cat "$TMP/check-deploy.pid")"; then
    ok "manage.py check --deploy: no warning in production mode"
else
    fail "manage.py check --deploy: $(tail -n 5 "$TMP/check-deploy.log")"
fi
say "migrated, static files collected ($(($(date +%s) - STARTED_AT)) s)"

openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    -keyout "$TMP/tls.key" -out "$TMP/tls.crt" >/dev/null 2>&1
"$PY" manage.py nginx_site --server-name "127.0.0.1 localhost" \
    --https-listen "127.0.0.1:$HTTPS_PORT" --http-listen "127.0.0.1:$HTTP_PORT" \
    --certificate "$TMP/tls.crt" --certificate-key "$TMP/tls.key" >"$TMP/portal.conf"
mkdir -p "$TMP/nginx"
{
    # As root nginx's workers would switch to nobody, who may not read this checkout or the
    # temporary media folder; a server's files belong to the portal user (deploy/systemd).
    [ "$(id -u)" = 0 ] && echo "user root;"
    cat <<EOF
daemon off;
worker_processes 1;
pid $TMP/nginx/nginx.pid;
error_log $TMP/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    access_log $TMP/nginx-access.log;
    client_body_temp_path $TMP/nginx/body;
    proxy_temp_path $TMP/nginx/proxy;
    fastcgi_temp_path $TMP/nginx/fastcgi;
    uwsgi_temp_path $TMP/nginx/uwsgi;
    scgi_temp_path $TMP/nginx/scgi;
    include $TMP/portal.conf;
}
EOF
} >"$TMP/nginx.conf"
if "$NGINX" -t -q -p "$TMP/nginx" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf" 2>"$TMP/nginx-test.log"; then
    ok "nginx accepts deploy/nginx/portal.conf.template rendered for $ROOT"
else
    fail "nginx refuses the rendered site: $(cat "$TMP/nginx-test.log")"
    exit 1
fi

start gunicorn bash -c "exec $(unit_command portal-gunicorn.service)"
start worker bash -c "exec $(unit_command portal-celery-worker.service)"
start beat bash -c "exec $(unit_command portal-celery-beat.service)"
start nginx "$NGINX" -p "$TMP/nginx" -e "$TMP/nginx-error.log" -c "$TMP/nginx.conf"

# The data while the processes start (the pages read it only once checked below).
"$PY" manage.py bootstrap --no-demo >"$TMP/bootstrap.log" 2>&1
"$PY" manage.py shell <deploy/prod-check-data.py >"$TMP/data.txt" 2>"$TMP/data.log"
say "Guicheng data and two photos loaded ($(($(date +%s) - STARTED_AT)) s)"

CURL=(curl -s --max-time 20 --cacert "$TMP/tls.crt")
for _ in $(seq 1 120); do
    [ "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$SITE/healthz" || true)" = 200 ] && break
    sleep 0.5
done
check "the portal answers through nginx over TLS (/healthz)" \
    test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$SITE/healthz")" = 200
say "serving ($(($(date +%s) - STARTED_AT)) s)"

header() { # header name, then curl arguments: the header's value
    local name=$1
    shift
    "${CURL[@]}" -o /dev/null -D - "$@" | tr -d '\r' | sed -n "s/^$name: //Ip" | head -n 1
}

# --- TLS and the redirect -------------------------------------------------------------------------

check "http://…:$HTTP_PORT redirects to https" \
    test "$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' "http://127.0.0.1:$HTTP_PORT/centers/")" \
    = "301 $SITE/centers/"
check "the home page is 200 with HSTS from Django" \
    test -n "$(header Strict-Transport-Security "$SITE/")"

# --- Static files: from disk by nginx, cached long, gzipped -----------------------------------------

CSS=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["paths"]["portal/site.css"])' staticfiles/staticfiles.json)
check "a hashed static file has Cache-Control: public, max-age=31536000, immutable" \
    test "$(header Cache-Control "$SITE/static/$CSS")" = "public, max-age=31536000, immutable"
check "static files are sent gzipped (collectstatic's .gz)" \
    test "$(header Content-Encoding -H 'Accept-Encoding: gzip' "$SITE/static/$CSS")" = gzip
# Written after the portal started: WhiteNoise indexed STATIC_ROOT at start and does not know it,
# so only nginx, reading the disk, can send it.
STATIC_PROBE="$ROOT/staticfiles/prod-check-$$.txt"
echo "sent by nginx $$" >"$STATIC_PROBE"
check "static files come from nginx: a file added to STATIC_ROOT after the start is served" \
    test "$("${CURL[@]}" "$SITE/static/prod-check-$$.txt")" = "sent by nginx $$"
check "… and Django itself would not serve it (404 from gunicorn)" \
    test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Forwarded-Proto: https' \
        "http://127.0.0.1:$APP_PORT/static/prod-check-$$.txt")" = 404

# --- Uploads: the portal decides, nginx sends the bytes -----------------------------------------------

read -r _ PUBLIC_URL PUBLIC_FILE < <(grep '^public ' "$TMP/data.txt") || true
read -r _ PRIVATE_URL _ < <(grep '^private ' "$TMP/data.txt") || true
check "a public update's photo is 200 with the file's bytes" \
    test "$("${CURL[@]}" "$SITE$PUBLIC_URL" | sha256sum)" = "$(sha256sum <"$PUBLIC_FILE")"
check "… sent by nginx: gunicorn answers it with an empty body and X-Accel-Redirect" \
    test "$(curl -s -D - -o "$TMP/accel.body" -H 'X-Forwarded-Proto: https' "http://127.0.0.1:$APP_PORT$PUBLIC_URL" |
        tr -d '\r' | sed -n 's/^X-Accel-Redirect: //Ip')$(wc -c <"$TMP/accel.body")" = "/protected-media/${PUBLIC_URL#/media/}0"
check "… and the internal header does not reach the client" \
    test -z "$(header X-Accel-Redirect "$SITE$PUBLIC_URL")"
check "a private update's photo is 404" \
    test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$SITE$PRIVATE_URL")" = 404
check "the internal location cannot be asked for directly (404)" \
    test "$("${CURL[@]}" -o /dev/null -w '%{http_code}' "$SITE/protected-media/${PUBLIC_URL#/media/}")" = 404
check "a body over the upload limit is refused by nginx (413)" \
    test "$("${CURL[@]}" --http1.1 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Length: 999999999' \
        "$SITE/api/v1/projects/1/updates/")" = 413

# --- Limits count each client (X-Forwarded-For from nginx) ------------------------------------------

order_post() { # source address, then extra curl arguments: how the portal answers a 点单 POST
    # "limited" (the limit's message), "form" (the form, checked: under the limit) or the status.
    local address=$1 jar="$TMP/cookies-$1" token page
    shift
    token=$("${CURL[@]}" --interface "$address" -c "$jar" -b "$jar" "$SITE/orders/new/" |
        sed -n 's/.*name="csrfmiddlewaretoken" value="\([^"]*\)".*/\1/p' | head -n 1)
    page=$("${CURL[@]}" --interface "$address" -c "$jar" -b "$jar" -e "$SITE/orders/new/" "$@" \
        -w '\n%{http_code}' --data-urlencode "csrfmiddlewaretoken=$token" --data-urlencode "need=" \
        "$SITE/orders/new/")
    if grep -q "提交太频繁" <<<"$page"; then
        echo limited
    elif [ "${page##*$'\n'}" = 200 ] && grep -q 'name="need"' <<<"$page"; then
        echo form
    else
        echo "${page##*$'\n'}"
    fi
}
ORDERS=""
for _ in 1 2 3 4 5 6; do ORDERS+="$(order_post "$CLIENT_A") "; done
check "点单: $CLIENT_A is limited after 5 POSTs an hour ($ORDERS)" \
    test "$ORDERS" = "form form form form form limited "
check "点单: $CLIENT_B still has its own 5" test "$(order_post "$CLIENT_B")" = form
check "点单: $CLIENT_A sending its own X-Forwarded-For gets no fresh limit" \
    test "$(order_post "$CLIENT_A" -H "X-Forwarded-For: 203.0.113.$RANDOM")" = limited

api_status() { # source address, then extra curl arguments
    local address=$1
    shift
    "${CURL[@]}" --interface "$address" -o /dev/null -w '%{http_code}' "$@" "$SITE/api/v1/communities/"
}
api_limited_after() { # count, source address
    local n
    for n in $(seq 1 "$1"); do [ "$(api_status "$2")" = 200 ] || return 1; done
    [ "$(api_status "$2")" = 429 ]
}
check "API: $CLIENT_A is throttled (429) after 20 anonymous calls a minute" api_limited_after 20 "$CLIENT_A"
check "API: $CLIENT_B still has its own 20" test "$(api_status "$CLIENT_B")" = 200
check "API: $CLIENT_A sending its own X-Forwarded-For gets no fresh limit" \
    test "$(api_status "$CLIENT_A" -H "X-Forwarded-For: 203.0.113.$RANDOM")" = 429

# --- Error pages in production mode --------------------------------------------------------------------

check "an unknown page is the Chinese 404 page" \
    eval "\"\${CURL[@]}\" \"\$SITE/no-such-page/\" | grep -q '<h1>页面不存在</h1>'"
check "an unknown API path is a JSON 404" \
    test "$("${CURL[@]}" -w ' %{http_code}' "$SITE/api/v1/no-such-endpoint/")" = '{"detail": "页面不存在"} 404'

# --- Beat schedules, the worker runs: the 数读 recheck -------------------------------------------------
# (it keeps the figures' 截至 time when no value changed, so the worker's log is what shows it ran)

as_of() {
    "${CURL[@]}" --interface "$CLIENT_C" "$SITE/api/v1/figures/" |
        "$PY" -c 'import json, sys; print(json.load(sys.stdin)[0]["as_of"])'
}
FIRST=$(as_of || true)
ran=1
for _ in $(seq 1 18); do
    sleep 2
    if grep -q 'refresh_key_figures.*succeeded' "$TMP/worker.log"; then
        ran=0
        break
    fi
done
check "beat's 数读 recheck ran on the worker, and the figures still say 截至 ${FIRST:-?}" \
    eval "[ $ran = 0 ] && [ \"\$(as_of)\" = \"$FIRST\" ] && [ -n \"$FIRST\" ]"

# --- Everything stops -----------------------------------------------------------------------------------

stop_all
stopped() {
    local port
    for port in "$HTTPS_PORT" "$HTTP_PORT" "$APP_PORT"; do port_free "$port" || return 1; done
    local group
    for group in "${GROUPS_STARTED[@]}"; do
        kill -0 -- "-$group" 2>/dev/null && return 1 # a process of that group is still there
    done
    return 0
}
check "everything it started has stopped (ports $HTTPS_PORT, $HTTP_PORT, $APP_PORT free; no process left)" stopped
ELAPSED=$(($(date +%s) - STARTED_AT))
check "finished in $ELAPSED s (limit $LIMIT_SECONDS s)" test "$ELAPSED" -lt "$LIMIT_SECONDS"

if [ "$FAILED" != 0 ]; then
    say "FAILED"
    exit 1
fi
say "all checks passed"
