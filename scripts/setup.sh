#!/usr/bin/env bash
# Sets up a fresh machine: system libraries (when root), the virtual environment, the
# project and its dev tools, the compiled translations. Safe to run again: fast when done.
set -euo pipefail
cd "$(dirname "$0")/.."

# WeasyPrint's fast font subsetting (libharfbuzz-subset0, ~4x faster PDFs), zbar and poppler
# for the PDF/QR tests, DejaVu fonts; dovecot-imapd (and openssl for its certificate) for the
# mail tests' IMAP server. Installed with apt when we are root and they are missing.
need=()
for pkg in libharfbuzz-subset0 libzbar0 zbar-tools poppler-utils fonts-dejavu-core libpango-1.0-0 \
           libpangoft2-1.0-0 dovecot-imapd openssl; do
  dpkg -s "$pkg" >/dev/null 2>&1 || need+=("$pkg")
done
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing system packages: ${need[*]}"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
  else
    echo "warning: missing system packages (install them as root): ${need[*]}" >&2
  fi
fi

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.dealchat-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  touch "$stamp"
fi
.venv/bin/python -c "from bot.i18n import compile_catalogs; compile_catalogs()"
