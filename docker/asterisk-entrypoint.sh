#!/bin/sh
# Entrypoint of the asterisk image (docker/asterisk.Dockerfile).
#
# Runs as root only to prepare the dirs that live on shared volumes, then execs
# Asterisk in the foreground (-f) as the asterisk user (-U/-G). The app's user
# is a member of the asterisk group (same GID in both images), which is how it
# reads queue_log and reads/removes finished recordings in the spool.
set -eu

CONF="${ASTERISK_CONF:-/etc/callcenter/asterisk.conf}"

if [ ! -r "$CONF" ]; then
    echo "asterisk: $CONF is missing: the conf-init service renders it" \
        "(docker compose run --rm conf-init)" >&2
    exit 1
fi

# Control socket and pid file (astrundir); container-local.
mkdir -p /var/run/asterisk
chown asterisk:asterisk /var/run/asterisk
chmod 0750 /var/run/asterisk

# Recordings spool, shared read-write with the app: the group may create and
# remove files in monitor/, and new files inherit the group (setgid dir).
mkdir -p /var/spool/asterisk/monitor
chown asterisk:asterisk /var/spool/asterisk /var/spool/asterisk/monitor
chmod 0750 /var/spool/asterisk
chmod 2770 /var/spool/asterisk/monitor

# Logs, shared read-only with the app (queue_log).
mkdir -p /var/log/asterisk
chown asterisk:asterisk /var/log/asterisk
chmod 2750 /var/log/asterisk

# Asterisk's files: the owner writes, the group (the app) reads, others nothing.
umask 0027

exec asterisk -f -U asterisk -G asterisk -C "$CONF" "$@"
