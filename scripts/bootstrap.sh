#!/usr/bin/env bash
# Installs the host packages the project needs when they are missing (Debian/Ubuntu).
# Asterisk itself goes into a sid chroot, done by `callcenter stack up`.
set -euo pipefail

need=()
python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null \
  || { echo "Python 3.11 or newer is needed (python3 is $(python3 --version 2>&1))" >&2; exit 1; }
python3 -m venv --help >/dev/null 2>&1 || need+=(python3-venv)
python3 -c 'import ensurepip' 2>/dev/null || need+=(python3-venv)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ss >/dev/null || need+=(iproute2)
command -v pg_ctlcluster >/dev/null || command -v psql >/dev/null || need+=(postgresql)
# Browser tests drive Debian's Chromium (Playwright's own download cannot be used);
# without Thai fonts, Thai renders as boxes in pages and screenshots.
command -v chromium >/dev/null || need+=(chromium)
dpkg -s fonts-thai-tlwg >/dev/null 2>&1 || need+=(fonts-thai-tlwg)
command -v gcc >/dev/null || need+=(gcc)
# `make test` runs the unit tests again under a clock moved a year ahead and back.
command -v faketime >/dev/null || need+=(faketime)
# The S3 store's gRPC certificates (callcenter/stack/s3.py); the tests that try its doors
# as another OS user run curl and psql.
command -v openssl >/dev/null || need+=(openssl)
command -v curl >/dev/null || need+=(curl)
command -v psql >/dev/null || need+=(postgresql-client)
# IVR prompts: placeholder recordings are spoken by espeak-ng (Thai and English voices) and
# converted by sox to what Asterisk plays; uploads in MP3 need sox's mp3 format.
command -v espeak-ng >/dev/null || need+=(espeak-ng)
command -v sox >/dev/null || need+=(sox)
dpkg -s libsox-fmt-mp3 >/dev/null 2>&1 || need+=(libsox-fmt-mp3)
# Real SIP callers through the carrier trunk (tests, benchmarks/ivr.py): SIPp.
command -v sipp >/dev/null || need+=(sip-tester)
# Report packs: tests and notes render a Thai slide to a picture (PowerPoint → PDF → PNG).
command -v soffice >/dev/null || need+=(libreoffice-impress-nogui)
command -v pdftoppm >/dev/null || need+=(poppler-utils)
# The chat desk's e-mail tests read a real IMAP server: a private dovecot started by the
# test fixture (tests/integration/imap_support.py), never the system service.
[ -x /usr/sbin/dovecot ] && dpkg -s dovecot-imapd >/dev/null 2>&1 || need+=(dovecot-imapd)

if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "missing packages: ${need[*]}; run as root or: sudo apt-get install -y ${need[*]}" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi
