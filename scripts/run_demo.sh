#!/usr/bin/env bash
# `make run`: serve the seeded demo with runserver, and, when the development tools are
# installed, Meridian Systems' local identity provider beside it (single sign-on demo,
# scripts/demo_sso.py), stopped with the server.
#   scripts/run_demo.sh PYTHON HOST PORT [SSO_PORT]
set -uo pipefail
PY=$1 HOST=$2 PORT=$3 SSO_PORT=${4:-8001}
url="http://$HOST:$PORT"
issuer="http://127.0.0.1:$SSO_PORT/o"
if "$PY" -c "import oauth2_provider" 2>/dev/null; then
  "$PY" scripts/demo_sso.py var "$SSO_PORT" "$url" > var/demo-sso.log 2>&1 &
  provider=$!
  trap 'kill $provider 2>/dev/null' EXIT
  if "$PY" - "$issuer" "$provider" <<'PROBE'
import os, sys, time, urllib.request
issuer, pid = sys.argv[1], int(sys.argv[2])
for _ in range(150):
    try:
        urllib.request.urlopen(f"{issuer}/.well-known/openid-configuration", timeout=1)
        sys.exit(0)
    except OSError:
        try:
            os.kill(pid, 0)
        except OSError:
            sys.exit(1)
        time.sleep(0.2)
sys.exit(1)
PROBE
  then
    "$PY" manage.py demo_sso "$issuer" var/demo-sso/client-secret
    echo "Single sign-on demo: Meridian Systems signs in through $issuer (README, \"Single sign-on\")"
  else
    echo "Single sign-on demo: the local identity provider did not start (var/demo-sso.log)"
  fi
else
  echo "Single sign-on demo: not started (its provider needs the development tools: make install-dev)"
fi
echo "Clearroom demo: $url/  (demo logins on the login page and in README.md)"
"$PY" manage.py runserver "$HOST:$PORT"
