#!/usr/bin/env bash
# The production shape, locally (`make serve`): DEBUG off, PostgreSQL and Redis, gunicorn, a
# Celery worker and Celery beat. Ctrl-C (or SIGTERM) stops all three.
#
#   scripts/serve.sh [HOST] [PORT]     with DATABASE_URL and CELERY_BROKER_URL set
#
# Local only in two respects, both overridable: secrets and keys are generated under
# CLEARROOM_VAR_DIR (a real installation gives SECRET_KEY and key files), and cookies are not
# marked Secure (plain http on localhost). SEED_DEMO=1 seeds the demo data first.
set -euo pipefail
cd "$(dirname "$0")/.."

HOST=${1:-127.0.0.1}
PORT=${2:-8000}
BIN=.venv/bin
: "${DATABASE_URL:?set DATABASE_URL to a PostgreSQL URL}"
: "${CELERY_BROKER_URL:?set CELERY_BROKER_URL to a Redis URL}"
export DEBUG=0
export CLEARROOM_GENERATE_SECRETS=${CLEARROOM_GENERATE_SECRETS:-1}
export ALLOWED_HOSTS=${ALLOWED_HOSTS:-127.0.0.1,localhost}
export SECURE_COOKIES=${SECURE_COOKIES:-0}
VAR_DIR=${CLEARROOM_VAR_DIR:-var}
mkdir -p "$VAR_DIR"

# Create the database when the server has none of that name (as `make test` does for tests).
"$BIN/python" - <<'PY'
import os

import dj_database_url
import psycopg
from psycopg import sql

config = dj_database_url.parse(os.environ["DATABASE_URL"])
if config["ENGINE"] != "django.db.backends.postgresql":
    raise SystemExit("make serve runs on PostgreSQL: set DATABASE_URL to postgres://...")
params = {"host": config["HOST"] or None, "port": config["PORT"] or None,
          "user": config["USER"] or None, "password": config["PASSWORD"] or None}
with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
    found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]])
    if found.fetchone() is None:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        print(f"created database {config['NAME']}")
PY

"$BIN/python" manage.py migrate --noinput -v 0
"$BIN/python" manage.py collectstatic --noinput -v 0
if [ "${SEED_DEMO:-0}" = 1 ]; then
  "$BIN/python" manage.py seed_demo --force
fi

pids=()
stop() {
  trap - EXIT INT TERM
  kill -TERM "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop EXIT INT TERM

"$BIN/celery" -A config worker --loglevel=WARNING --concurrency="${CELERY_CONCURRENCY:-2}" &
pids+=($!)
"$BIN/celery" -A config beat --loglevel=WARNING --schedule="$VAR_DIR/celerybeat-schedule" &
pids+=($!)
"$BIN/gunicorn" config.wsgi --bind "$HOST:$PORT" --workers "${WEB_CONCURRENCY:-2}" \
  --access-logfile - &
pids+=($!)
echo "Clearroom (production shape): http://$HOST:$PORT/  gunicorn, Celery worker and beat"
# Whichever of the three ends first ends the others: a half-running shape is not served.
wait -n
