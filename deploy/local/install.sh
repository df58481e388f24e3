#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing. Usage: install.sh [postgres] [rabbitmq] [chromium] [node] [fonts] [pdfcheck] [smtp]
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

want=("$@"); [ ${#want[@]} -gt 0 ] || want=(postgres rabbitmq)
command -v curl >/dev/null || want+=(curl)
missing=()
for w in "${want[@]}"; do
  case "$w" in
    postgres) ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || missing+=(postgresql postgresql-contrib)
              command -v openssl >/dev/null || missing+=(openssl) ;;
    rabbitmq) [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
              # rabbitmq.sh makes each user's password and its RabbitMQ hash with these.
              command -v openssl >/dev/null || missing+=(openssl); command -v xxd >/dev/null || missing+=(xxd) ;;
    curl) missing+=(curl) ;;
    node) command -v npm >/dev/null || missing+=(nodejs npm) ;;
    chromium) [ -x /usr/bin/chromium ] || missing+=(chromium) ; dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core) ;;
    # The service draws the signed record's PDF in DejaVu Sans and refuses to start without it.
    fonts) dpkg -s fonts-dejavu-core >/dev/null 2>&1 || missing+=(fonts-dejavu-core) ;;
    # The tests check the record PDF's structure with qpdf (no PDF/A validator is packaged for Debian).
    pdfcheck) command -v qpdf >/dev/null || missing+=(qpdf) ;;
    # A real SMTP server (aiosmtpd, Debian's Python: /usr/bin/python3) that the e-mail notifier's tests start and read back.
    smtp) /usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd) ;;
    *) die "unknown component: $w" ;;
  esac
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! is_root; then
  die "missing Debian packages: ${missing[*]}. Install them once as root: sudo apt-get update && sudo apt-get install -y ${missing[*]}"
fi
log "installing ${missing[*]} (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# The Debian packages try to start their own system services; we run private instances instead.
printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d.consent && chmod +x /usr/sbin/policy-rc.d.consent
had_policy=0; [ -e /usr/sbin/policy-rc.d ] && had_policy=1
[ $had_policy = 1 ] || cp /usr/sbin/policy-rc.d.consent /usr/sbin/policy-rc.d
trap '[ $had_policy = 1 ] || rm -f /usr/sbin/policy-rc.d; rm -f /usr/sbin/policy-rc.d.consent' EXIT
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
