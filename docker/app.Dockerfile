# The callcenter service (API, websockets, AMI consumer, ARI app) and its CLI.
# Build context: the repository root (see .dockerignore). Used by two compose
# services: `app` (migrate + serve) and the one-shot `conf-init`
# (`callcenter stack render-conf`, which renders asterisk_conf/ for Asterisk).
FROM python:3.11-slim

# APP_UID: the non-root user that runs the service.
# ASTERISK_GID: must equal asterisk.Dockerfile's ASTERISK_GID. The service's
# user is a member of that group, which lets it read queue_log, read and remove
# recordings in the shared spool, and hand Asterisk a config it can read.
ARG APP_UID=10001
ARG ASTERISK_GID=10002

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore \
    CALLCENTER_CONF_DIR=/app/asterisk_conf

RUN set -eux; \
    groupadd --gid "${ASTERISK_GID}" asterisk; \
    groupadd --gid "${APP_UID}" callcenter; \
    useradd --uid "${APP_UID}" --gid callcenter --groups asterisk \
        --create-home --home-dir /home/callcenter --shell /usr/sbin/nologin callcenter; \
    # Mount points of named volumes: a fresh volume copies this owner and mode.
    # /etc/callcenter: rendered Asterisk config (written by conf-init, read by
    # the asterisk group; setgid so every file gets that group).
    install -d -o callcenter -g asterisk -m 2750 /etc/callcenter; \
    # /var/lib/callcenter: CALLCENTER_STATE_DIR (secrets.json with the SIP
    # passwords that render-conf generates once and must keep).
    install -d -o callcenter -g callcenter -m 0700 /var/lib/callcenter

WORKDIR /app
COPY . /app

# A regular (non-editable) install. asterisk_conf/ is not Python package data:
# it stays in /app (CALLCENTER_CONF_DIR above), and a link in site-packages
# serves code that finds it next to the installed packages
# (callcenter.stack.paths.TEMPLATES_DIR, the default of Settings.conf_dir).
RUN set -eux; \
    pip install /app; \
    site="$(python -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"; \
    ln -s /app/asterisk_conf "${site}/asterisk_conf"; \
    rm -rf /app/build /app/*.egg-info; \
    callcenter --help > /dev/null

# By name, not uid:gid: Docker then also applies the user's supplementary
# groups from /etc/group (asterisk), which a "uid:gid" USER would drop. For the
# same reason docker-compose.yml sets no `user:` on the services of this image.
# hadolint ignore=DL3066
USER callcenter

EXPOSE 8000
CMD ["sh", "-c", "callcenter migrate && exec callcenter serve"]
