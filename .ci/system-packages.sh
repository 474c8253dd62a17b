#!/usr/bin/env bash
# Install the Debian packages the tests need, when they are missing: PostgreSQL (a throwaway server per run),
# LibreOffice Calc (to recalculate workbooks) and Chromium (the browser tests drive it through Playwright).
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || missing+=(postgresql)
# LibreOffice recalculates exported workbooks in the tests, as the spreadsheet oracle
command -v soffice >/dev/null || missing+=(libreoffice-calc-nogui)
# Playwright cannot download browsers here: it launches Debian's
command -v chromium >/dev/null || missing+=(chromium)

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
