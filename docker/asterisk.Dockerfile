# Asterisk 22 from Debian's own packages. Only Debian sid carries Asterisk 22
# (bookworm has no asterisk package at all), hence sid-slim for this one image.
# Build context: ./docker (see docker-compose.yml).
#
# The config dir /etc/callcenter is NOT baked in: the one-shot `conf-init`
# service renders asterisk_conf/ (with the secrets from .env) into a shared
# volume mounted there read-only. Every other dir stays at Debian's paths,
# as asterisk_conf/asterisk.conf expects.
FROM debian:sid-slim

# Fixed ids so that the app image can share files with Asterisk through the
# spool and log volumes: its `callcenter` user is a member of a group with
# this same GID (ASTERISK_GID must match app.Dockerfile's build arg).
ARG ASTERISK_UID=10002
ARG ASTERISK_GID=10002

# Versions are not pinned: sid keeps only its newest build of each package.
# hadolint ignore=DL3008
RUN set -eux; \
    # No service may start during the build (there is no init here anyway).
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
    chmod 0755 /usr/sbin/policy-rc.d; \
    apt-get update; \
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
        asterisk asterisk-modules asterisk-core-sounds-en-gsm; \
    apt-get clean; \
    rm -rf /var/lib/apt/lists/*; \
    # The package made a system user with a dynamic id: give it the fixed one
    # and move every file it owned along.
    old_uid="$(id -u asterisk)"; \
    old_gid="$(id -g asterisk)"; \
    groupmod --gid "${ASTERISK_GID}" asterisk; \
    usermod --uid "${ASTERISK_UID}" --gid "${ASTERISK_GID}" asterisk; \
    find / -xdev -user "${old_uid}" -exec chown --no-dereference asterisk {} +; \
    find / -xdev -group "${old_gid}" -exec chgrp --no-dereference asterisk {} +; \
    # No systemd/tmpfiles in a container: create the run dir (the control
    # socket lives there) and the dirs the volumes are mounted on, so that a
    # fresh named volume starts with the right owner.
    mkdir -p /run/asterisk /var/run/asterisk /var/spool/asterisk/monitor \
        /var/log/asterisk /var/lib/asterisk /var/cache/asterisk; \
    chown asterisk:asterisk /run/asterisk /var/run/asterisk /var/spool/asterisk \
        /var/spool/asterisk/monitor /var/log/asterisk /var/lib/asterisk /var/cache/asterisk; \
    chmod 2770 /var/spool/asterisk/monitor; \
    chmod 2750 /var/log/asterisk; \
    asterisk -V

COPY asterisk-entrypoint.sh /usr/local/bin/callcenter-asterisk-entrypoint

# AMI 5038, HTTP/ARI 8088, SIP 5060, RTP 30000-30999: all bound to 127.0.0.1
# by the rendered config; nothing is published (see docker-compose.yml).
# Starts as root only to fix the volumes' ownership; Asterisk itself then runs
# as the asterisk user (-U/-G), in the foreground (-f).
ENTRYPOINT ["/bin/sh", "/usr/local/bin/callcenter-asterisk-entrypoint"]
