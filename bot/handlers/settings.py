"""Settings from the environment, checked once at start: a missing or malformed one
stops the start with one line naming it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

import pytz

from bot.handlers.oauth import ManifestError, read_manifest
from bot.scheduler import DEFAULT_LEASE, checked_tick, lease_setting
from storage.db import StorageError
from storage.pg import check_url

SLACK_API_DEFAULT = "https://slack.com/api/"


class SettingError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    bot_token: str
    signing_secret: str
    app_token: str | None
    api_url: str
    port: int
    db_path: str
    zone: str
    tick: float
    lease: timedelta = DEFAULT_LEASE  # CLEC_BOT_LEASE: a claim's lease; Slack's waits fit in it
    # installing in many workspaces (no SLACK_BOT_TOKEN): the app's OAuth credentials
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None  # SLACK_REDIRECT_URI, else the manifest's

    @property
    def socket_mode(self) -> bool:
        return bool(self.app_token)

    @property
    def oauth(self) -> bool:
        """Many workspaces, each with the token its installation gave (no single token)."""
        return bool(self.client_id) and not self.bot_token


def _need(env: dict, name: str) -> str:
    value = (env.get(name) or "").strip()
    if not value:
        raise SettingError(f"{name} is not set")
    return value


def from_env(env: dict | None = None) -> Settings:
    """Read and check every setting; raise SettingError naming the first bad one."""
    env = dict(os.environ if env is None else env)
    token = (env.get("SLACK_BOT_TOKEN") or "").strip()
    client = None if token else _oauth_client(env)
    if not token and client is None:
        raise SettingError("SLACK_BOT_TOKEN is not set (or SLACK_CLIENT_ID and"
                           " SLACK_CLIENT_SECRET, to install in many workspaces)")  # fmt: skip
    if token and not token.startswith("xoxb-"):
        raise SettingError("SLACK_BOT_TOKEN must be a bot token starting with xoxb-")
    app_token = (env.get("SLACK_APP_TOKEN") or "").strip() or None
    if app_token and not app_token.startswith("xapp-"):
        raise SettingError("SLACK_APP_TOKEN must be an app-level token starting with xapp-")
    if app_token and client is not None:
        raise SettingError("SLACK_APP_TOKEN (Socket Mode) with SLACK_CLIENT_ID: installing"
                           " in many workspaces is served over HTTP; unset one")  # fmt: skip
    secret = (env.get("SLACK_SIGNING_SECRET") or "").strip()
    if not secret and client is not None:
        raise SettingError("SLACK_SIGNING_SECRET is not set (installing in many workspaces"
                           " is served over HTTP, which verifies every request)")  # fmt: skip
    if not secret and not app_token:
        raise SettingError("SLACK_SIGNING_SECRET is not set (HTTP mode verifies every request)")
    api_url = (env.get("SLACK_API_URL") or SLACK_API_DEFAULT).strip()
    if not api_url.startswith(("https://", "http://")):
        raise SettingError(f"SLACK_API_URL must be an http(s) URL, got {api_url!r}")
    raw_port = (env.get("PORT") or "3000").strip()
    if not raw_port.isdigit() or not 0 < int(raw_port) < 65536:
        raise SettingError(f"PORT must be a port number (1-65535), got {raw_port!r}")
    zone = (env.get("CLEC_BOT_TZ") or "America/Chicago").strip()
    if zone not in pytz.all_timezones_set:
        raise SettingError(f"CLEC_BOT_TZ must be an IANA zone like America/Chicago, got {zone!r}")
    try:  # the scheduler's own checks: CLEC_BOT_TICK, then CLEC_BOT_LEASE
        tick = checked_tick((env.get("CLEC_BOT_TICK") or "15").strip())
        lease = lease_setting(env)
    except ValueError as exc:
        raise SettingError(str(exc)) from exc
    database_url = (env.get("DATABASE_URL") or "").strip()
    if database_url:
        try:
            check_url(database_url)
        except StorageError as exc:
            raise SettingError(str(exc)) from None
    return Settings(
        bot_token=token,
        signing_secret=secret,
        app_token=app_token,
        api_url=api_url if api_url.endswith("/") else api_url + "/",
        port=int(raw_port),
        # DATABASE_URL (PostgreSQL, shared by replicas) when set, else the SQLite file
        db_path=database_url or (env.get("CLEC_BOT_DB") or "./clecbot.db").strip(),
        zone=zone,
        tick=tick,
        lease=lease,
        client_id=client[0] if client else None,
        client_secret=client[1] if client else None,
        redirect_uri=client[2] if client else None,
    )


def _oauth_client(env: dict) -> tuple[str, str, str | None] | None:
    """SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_REDIRECT_URI (optional), or None
    when no client id is set; one without the other is a SettingError."""
    client_id = (env.get("SLACK_CLIENT_ID") or "").strip()
    if not client_id:
        return None
    secret = _need(env, "SLACK_CLIENT_SECRET")
    redirect = (env.get("SLACK_REDIRECT_URI") or "").strip() or None
    if redirect and not redirect.startswith(("https://", "http://")):
        raise SettingError(f"SLACK_REDIRECT_URI must be an http(s) URL, got {redirect!r}")
    try:
        read_manifest()  # the scopes the install asks for: a start without them is refused
    except ManifestError as exc:
        raise SettingError(str(exc)) from exc
    return client_id, secret, redirect
