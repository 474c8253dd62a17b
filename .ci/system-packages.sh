#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing: PostgreSQL (a throwaway server per run),
# LibreOffice Calc (to recalculate workbooks), Chromium (the browser tests drive it through Playwright) and nginx
# (the deployment test puts it in front of the workers), and wrk (the serving benchmark's load, `make bench`).
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# LibreOffice recalculates exported workbooks in the tests, as the spreadsheet oracle
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
# Playwright cannot download browsers here: it launches Debian's
command -v chromium >/dev/null || missing+=(chromium)
# The deployment test runs its own nginx, with its own configuration, in a temporary folder;
# openssl makes that nginx a throwaway certificate
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)
# The serving benchmark loads the real server with wrk, beside a bare app under the same load
command -v wrk >/dev/null || missing+=(wrk)
# The single sign-on tests run a real OpenID Connect provider (oidc-provider, installed by npm ci) with Node
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]}; install them with apt-get (as root)." >&2
  exit 1
fi
echo "Installing Debian packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get -o DPkg::Lock::Timeout=120 update -qq
apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends "${missing[@]}"
# Debian's package enables its own nginx on port 80; the tests need only the program, so leave that one off
if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null; then
  systemctl disable --now nginx >/dev/null 2>&1 || true
fi
