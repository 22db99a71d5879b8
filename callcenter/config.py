"""Service configuration: environment first, then the local stack's generated secrets."""

from __future__ import annotations

import json
import os
from ipaddress import ip_network
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict
from sqlalchemy import make_url

ENV_PREFIX = "CALLCENTER_"
SECRETS_FILE = "secrets.json"
MIN_RETENTION_DAYS = 180


def default_state_dir() -> Path:
    """Where the local stack keeps Asterisk, S3 data, pid files and generated secrets."""
    env = os.environ.get(f"{ENV_PREFIX}STATE_DIR")
    if env:
        return Path(env).expanduser().resolve()
    return Path(platformdirs.user_data_dir("callcenter"))


class _StackSecretsSource(PydanticBaseSettingsSource):
    """Lowest-priority source: values the local stack generated (``STATE/secrets.json``)."""

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return None, field_name, False

    def __call__(self) -> dict[str, Any]:
        path = default_state_dir() / SECRETS_FILE
        if not path.is_file():
            return {}
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return {}
        return {k: v for k, v in data.items() if k in Settings.model_fields}


class Settings(BaseSettings):
    """Every connection setting the service reads; `callcenter stack env` exports them all."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    state_dir: Path = Field(default_factory=default_state_dir)
    conf_dir: Path = Field(
        default_factory=lambda: Path(__file__).resolve().parent.parent / "asterisk_conf"
    )

    # The service's own role (no superuser: it cannot undo the audit trails). Its password
    # (`database_password`, generated into STATE/secrets.json) goes into the URL when the URL
    # has none. Migrations run as `database_owner`; `database_admin_url` (a superuser, used
    # by `stack up` and `migrate` only) creates both roles and the database: see migrate.py.
    database_url: str = "postgresql+asyncpg://callcenter@127.0.0.1:5432/callcenter"
    database_password: SecretStr = SecretStr("")
    database_owner: str = "callcenter_owner"
    database_owner_password: SecretStr = SecretStr("")
    database_admin_url: str = "postgresql://postgres@127.0.0.1:5432/postgres"

    ami_host: str = "127.0.0.1"
    ami_port: int = 5038
    ami_user: str = "callcenter"
    ami_secret: SecretStr = SecretStr("")
    ami_sim_user: str = "simulator"
    ami_sim_secret: SecretStr = SecretStr("")
    ami_ping_interval_s: float = 5.0
    ami_watchdog_timeout_s: float = 15.0

    ari_url: str = "http://127.0.0.1:8088/ari"
    ari_user: str = "callcenter"
    ari_password: SecretStr = SecretStr("")
    ari_app: str = "callcenter"
    sip_ws_url: str = ""  # the desk softphone's SIP-over-WebSocket URL; empty: ARI host + /ws

    s3_endpoint: str = "127.0.0.1:9000"
    s3_access_key: SecretStr = SecretStr("")
    s3_secret_key: SecretStr = SecretStr("")
    s3_secure: bool = False
    s3_bucket: str = "recordings"
    s3_region: str = "us-east-1"

    http_host: str = "127.0.0.1"
    http_port: int = 8000
    jwt_secret: SecretStr = SecretStr("")
    token_ttl_s: int = 12 * 3600
    login_max_failures: int = 5
    login_window_s: int = 300
    # Reverse proxies whose X-Forwarded-For is believed (addresses or networks, e.g.
    # ["127.0.0.1"] behind a local nginx). Empty: the socket's peer is the client, always.
    trusted_proxies: list[str] = Field(default_factory=list)

    sl_threshold_s: int = 15
    short_abandon_s: int = 5

    queue_log_path: Path | None = None
    spool_dir: Path | None = None
    # The IVR's prompt recordings (<lang>/<id>.wav): explicit, else the local stack's chroot.
    prompts_dir: Path | None = None

    retention_days: int = 180  # recordings: COMPLIANCE lock; the contract says at least 180
    recordings_upload: bool = True  # the spool uploader (recordings/uploader.py)
    recordings_scan_s: float = 2.0
    recordings_agent_own_calls: bool = False  # let agents play their own calls
    recordings_orphan_after_s: float = 4 * 3600  # no `.done` and no growth: Asterisk died
    # A recording shorter than its call's talk time by more than this is flagged `incomplete`
    # (media did not flow: nothing else notices); talk times are whole seconds.
    recordings_incomplete_tolerance_s: float = 3.0

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_from: str = "callcenter-alerts@localhost"
    smtp_timeout_s: float = 10.0
    alert_recipients: str = ""  # comma-separated; empty: alerts shown, no e-mail
    alert_cooldown_s: float = 900.0
    alert_interval_s: float = 5.0
    alert_sl_min_pct: float = 90.0
    alert_abandon_max_pct: float = 3.0
    alert_wait_max_s: float = 15.0
    alert_min_offered: int = 5  # SL/abandon alerts wait for this many calls in the 60 minutes
    alert_min_available: int = 1

    # Callbacks (issue 4). Offsets are seconds from the drop, the first at once.
    callback_window_s: float = 1800.0
    # Report packs (callcenter/reports) and their staffing pages (callcenter/staffing).
    report_centre_name_th: str = "ศูนย์รับเรื่องร้องเรียนออนไลน์ 1212"
    report_centre_name_en: str = "1212 Online Complaint Centre"
    report_bucket: str = "reports"  # its own bucket, versioned; no retention lock
    report_recipients: str = ""  # comma-separated; empty: packs listed, not e-mailed
    report_langs: str = "th"  # the languages the scheduler builds, comma-separated
    report_schedule: bool = True  # the service builds packs when due (off: on demand only)
    report_check_s: float = 300.0  # the catch-up round
    report_start_delay_s: float = 60.0  # the first round after start (missed packs)
    report_late_after_s: float = 1800.0  # past due by this much with no pack: alert
    report_catch_up_max: int = 62  # missed periods of one kind built after an outage, at most
    staffing_weeks: int = 4  # the forecast: same weekday and interval over this many weeks
    staffing_shrinkage: float = 0.30  # share of paid time off the phones
    staffing_service_level_pct: float = 90.0  # within sl_threshold_s
    staffing_default_aht_s: float = 300.0  # when the history has no handled call
    callback_retry_offsets_s: str = "0,600,1200"
    callback_out_context: str = ""  # dialplan context that dials callers out; empty: never dial
    callback_number_pattern: str = r"(\+66|0)[1-9]\d{7,8}"  # callable numbers (else invalid)
    callback_agent_ring_s: int = 20
    callback_customer_ring_s: int = 30
    callback_poll_s: float = 1.0
    callback_soon_s: float = 300.0  # the wallboard marks a callback this close to its deadline
    callback_member_pattern: str = ""  # regex of queue member names that take callbacks; "": all

    # The desk's dial pad (issue 13): AMI Originate rings the agent's own phone, then the
    # dialplan's [desk-dial] dials the number through this context (empty: the callbacks'
    # callback_out_context; both empty: the dial pad is refused with 409).
    desk_out_context: str = ""
    desk_number_pattern: str = r"(\+66|0)[1-9]\d{7,8}|1\d{3}"  # mobiles, landlines, 1xxx hotlines
    desk_agent_ring_s: int = 30  # the agent's phone rings this long before the number is dialled
    desk_customer_ring_s: int = 45

    cases_agents_read_all: bool = False  # True: agents also read others' cases (PII masked)
    case_attachments_bucket: str = ""  # empty: s3_bucket, under the case-attachments/ prefix
    prompts_bucket: str = ""  # IVR prompt uploads; empty: s3_bucket, under ivr-prompts/
    case_attachment_max_bytes: int = 10 * 1024 * 1024

    # Chat desk (issue 16). LINE's channel secret and access token: env or STATE/secrets.json.
    line_channel_secret: SecretStr = SecretStr("")
    line_channel_access_token: SecretStr = SecretStr("")
    line_api_url: str = "https://api.line.me"  # the local stand-in's URL in tests and the demo
    line_data_api_url: str = "https://api-data.line.me"  # uploads (rich menu image)
    # Where LINE fetches broadcast images (/public/chat/images/…): this service's public
    # HTTPS address, as the platform reaches it.
    chat_public_url: str = "https://localhost"
    # The LINE rich menu (image + areas), set as the default at start-up when given.
    chat_rich_menu: Path | None = None
    chat_canned: Path | None = None  # canned answers; empty: callcenter/chat/data/canned.toml
    chat_faq: Path | None = None  # the bot's FAQ answers; empty: callcenter/chat/data/faq.toml
    # The first-reply SLA's per-channel targets and business hours; empty: the shipped
    # callcenter/chat/data/sla.toml (24/7, the targets below).
    chat_sla: Path | None = None
    # Facebook Messenger: the app secret signs webhooks, the verify token answers hub.challenge.
    fb_app_secret: SecretStr = SecretStr("")
    fb_verify_token: SecretStr = SecretStr("")
    fb_page_access_token: SecretStr = SecretStr("")
    fb_graph_url: str = "https://graph.facebook.com/v21.0"  # the stand-in's URL in tests
    chat_reply_token_s: float = 30.0  # a reply token is used only this long after its event
    chat_first_reply_sla_s: float = 1800.0  # LINE: first human reply within 30 min of hand-off
    chat_send_attempts: int = 6  # then the send is marked failed and shown to the admin
    chat_send_backoff_s: float = 2.0  # first retry after this, doubling each time
    chat_poll_s: float = 1.0  # the processor and sender look for work at least this often
    # E-mail: the complaints mailbox over IMAP (off while chat_imap_host is empty), answers
    # over SMTP (smtp_host/smtp_port) from chat_email_address; first reply within 24 h.
    chat_email_sla_s: float = 86400.0
    chat_imap_host: str = ""
    chat_imap_port: int = 993
    chat_imap_security: Literal["ssl", "starttls", "none"] = "ssl"
    chat_imap_user: str = ""
    chat_imap_password: SecretStr = SecretStr("")
    chat_imap_folder: str = "INBOX"
    chat_email_address: str = "complaints@localhost"
    chat_email_poll_s: float = 30.0
    chat_attachment_max_bytes: int = 10 * 1024 * 1024
    # The satisfaction questionnaire after a close waits this long for the customer's answer.
    chat_survey_window_s: float = 86400.0
    # Social listening (issue 17). The poller runs only when social_poll_s > 0; sources
    # (feeds, X searches) are rows of social_sources, added through the API.
    social_poll_s: float = 0.0
    social_x_bearer_token: SecretStr = SecretStr("")  # X API v2 app-only bearer token
    social_x_max_wait_s: float = 60.0  # wait this long for a rate-limit reset, else next round
    # Facebook Graph (a Page access token of the centre's pages) and YouTube Data API v3 key.
    social_facebook_token: SecretStr = SecretStr("")
    social_youtube_key: SecretStr = SecretStr("")
    social_graph_wait_s: float = 600.0  # Graph rate limit without a regain time in its headers
    # Publishing (content calendar): the centre's Page, LINE broadcast, targets a month.
    social_graph_url: str = "https://graph.facebook.com"
    social_page_id: str = ""  # empty: no Facebook publishing
    social_line_url: str = "https://api.line.me"
    social_line_token: SecretStr = SecretStr("")  # empty: no LINE broadcast
    social_assets_bucket: str = ""  # empty: s3_bucket, under social-assets/
    social_asset_max_bytes: int = 200 * 1024 * 1024
    social_posts_target: int = 6  # educational posts a month
    social_videos_target: int = 1  # videos a month: at least this many ...
    social_videos_most: int = 2  # ... and at most this many
    social_publish: bool = True  # publish the calendar on schedule (off: nothing goes out)
    social_publish_check_s: float = 300.0  # a publishing round this often (and at each due time)
    social_publish_grace_s: float = 3600.0  # a post still not out this long after its time fails
    social_results_s: float = 6 * 3600.0  # fetch reach, reactions and shares this often
    social_results_days: int = 60  # ... of what was published in these last days
    social_digest_recipients: str = ""  # the weekly digest's e-mail addresses, comma-separated
    social_digest_news: int = 8  # news articles in a digest
    social_digest_posts: int = 10  # most engaging posts in a digest (e-mail only)
    # The monthly publishing report: built on the 10th at 10:00 for the month before.
    social_report_langs: str = "th"  # comma-separated; "th,en" builds both
    social_report_recipients: str = ""  # e-mailed to these (empty: listed only)
    social_backoff_s: float = 30.0  # first wait after a failed round; doubles, up to an hour
    social_http_timeout_s: float = 20.0
    # A keyword's last hour is a spike at >= social_spike_min mentions and >= factor x the
    # mean of the same hour on the social_spike_days days before.
    social_spike_factor: float = 3.0
    social_spike_min: int = 10
    social_spike_days: int = 7
    social_negative_jump_points: float = 20.0  # negative share this far above usual fires
    social_influencer_followers: int = 50_000  # an author this followed fires on a mention

    @field_validator(
        "queue_log_path", "spool_dir", "prompts_dir", "chat_rich_menu", "chat_canned", "chat_faq",
        "chat_sla", mode="before",
    )  # fmt: skip
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """An empty variable (`callcenter stack env` exports unset paths as '') is no path: as
        Path('') it would be '.', the working directory."""
        return None if value == "" else value

    @field_validator("trusted_proxies")
    @classmethod
    def _proxy_networks(cls, value: list[str]) -> list[str]:
        for item in value:
            ip_network(item, strict=False)  # ValueError names the bad entry
        return value

    @field_validator("retention_days")
    @classmethod
    def _retention_floor(cls, value: int) -> int:
        if value < MIN_RETENTION_DAYS:
            raise ValueError(
                f"CALLCENTER_RETENTION_DAYS={value}: recordings must be kept at least "
                f"{MIN_RETENTION_DAYS} days (contract); set 180 or more"
            )
        return value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, _StackSecretsSource(settings_cls))

    @property
    def asterisk_root(self) -> Path:
        """The sid chroot that holds the local Asterisk."""
        return self.state_dir / "asterisk" / "root"

    @property
    def queue_log_file(self) -> Path:
        """Asterisk's queue_log file (explicit setting, else the local stack's)."""
        if self.queue_log_path is not None:
            return self.queue_log_path
        return self.asterisk_root / "var/log/asterisk/queue_log"

    @property
    def cel_file(self) -> Path:
        """Asterisk's CEL lines of the IVR (asterisk_conf/cel_custom.conf), the local stack's."""
        return self.asterisk_root / "var/log/asterisk/cel-custom/ivr.csv"

    @property
    def spool_path(self) -> Path:
        """Where MixMonitor writes recordings (explicit setting, else the local stack's)."""
        if self.spool_dir is not None:
            return self.spool_dir
        return self.asterisk_root / "var/spool/asterisk/monitor"

    @property
    def prompts_path(self) -> Path:
        """Where the rendered prompt recordings are, seen from the host (Asterisk plays them
        as sound:callcenter/<lang>/<id>)."""
        if self.prompts_dir is not None:
            return self.prompts_dir
        return self.asterisk_root / "usr/share/asterisk/sounds/callcenter"

    @property
    def event_journal(self) -> Path:
        """Where AMI events wait while the database is down (one file per database)."""
        database = make_url(self.database_url).database or "callcenter"
        return self.state_dir / "journal" / f"ami-events-{database}.jsonl"

    @model_validator(mode="after")
    def _password_in_url(self) -> Settings:
        self.database_url = url_with_password(
            self.database_url, self.database_password.get_secret_value()
        )
        return self

    @property
    def chat_journal(self) -> Path:
        """Where chat webhook events wait while the database is down (one file per database)."""
        database = make_url(self.database_url).database or "callcenter"
        return self.state_dir / "journal" / f"chat-webhooks-{database}.jsonl"

    @property
    def sync_database_url(self) -> str:
        """The same database through psycopg 3 (Alembic, APScheduler's job store)."""
        return self.database_url.replace("+asyncpg", "+psycopg")


def url_with_password(database_url: str, password: str) -> str:
    """`database_url` with `password` when it names none (an explicit one wins)."""
    url = make_url(database_url)
    if not password or url.password is not None:
        return database_url
    return url.set(password=password).render_as_string(hide_password=False)


def get_settings(**overrides: Any) -> Settings:
    """Read settings now (never at import time)."""
    return Settings(**overrides)
