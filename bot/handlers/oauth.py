"""Installing clecbot in many workspaces: bolt's OAuth flow on our own stores.

`GET /slack/install` is the "Add to Slack" page (a link to Slack's authorize page with
the manifest's bot scopes and a fresh state, also set as a cookie in the browser);
`GET /slack/oauth_redirect` checks the state (this browser's, issued here, unused, not
expired), exchanges the code with `oauth.v2.access` and keeps the installation. The
scopes are the manifest's (manifest.yml, read once at start): the app asks for exactly
what its manifest declares, never for scopes from the environment, and for no user scope.

Every request is then answered with its own workspace's token (bolt finds it by the
request's team), and its data is scoped by the workspace key bolt's context gives
(storage.installs.workspace_key, read by `team_of` here and by edge.team_of in the
handlers). `app_uninstalled` and `tokens_revoked` delete the workspace's token and
pause its trackers' nudges (storage.installs.pause_workspace); installing again resumes them.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from urllib.parse import urlsplit

import pytz
from slack_bolt import App, BoltResponse
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings

from bot.handlers.notifier import TeamClients
from storage.installs import Installs, States, pause_workspace, resume_workspace, workspace_key

log = logging.getLogger(__name__)
MANIFEST = Path(__file__).resolve().with_name("manifest.yml")  # package data (root: a link)
INSTALL_PATH = "/slack/install"
REDIRECT_PATH = "/slack/oauth_redirect"
PLACEHOLDER = "YOUR-HOST"  # the manifest's stand-in for the host, not a URL to send to Slack
# why a workspace's trackers were paused (their problem, and the timeline's pause line)
UNINSTALLED = ("clecbot was uninstalled from this workspace; its nudges resume when it is"
               " installed again")  # fmt: skip
REVOKED = ("clecbot's bot token for this workspace was revoked; its nudges resume when it is"
           " installed again")  # fmt: skip


class ManifestError(ValueError):
    """The manifest cannot be read, or lacks what the install needs; the message says which."""


@dataclass(frozen=True)
class Manifest:
    """What the OAuth flow takes from the app's manifest."""

    bot_scopes: tuple[str, ...]
    redirect_urls: tuple[str, ...]

    @property
    def redirect_url(self) -> str | None:
        """The first redirect URL that names a real host (the shipped one is a placeholder)."""
        return next((u for u in self.redirect_urls if PLACEHOLDER not in u), None)


_ITEM = re.compile(r"^(\s*)-\s*(.*)$")
_KEY = re.compile(r"^(\s*)([A-Za-z0-9_.-]+):\s*(.*)$")


def _lists(text: str) -> dict[tuple[str, ...], list[str]]:
    """The block lists of a YAML file of the manifest's shape, by their key path
    (("oauth_config", "scopes", "bot") -> [...]); comments and scalars are skipped."""
    found: dict[tuple[str, ...], list[str]] = {}
    path: list[tuple[int, str]] = []
    for raw in text.splitlines():
        line = re.sub(r"\s+#.*$", "", raw) if not raw.lstrip().startswith("#") else ""
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        item = _ITEM.match(line)
        if item:
            while path and path[-1][0] > indent:  # (a list may sit at its key's indent)
                path.pop()
            keys = tuple(k for _, k in path)
            found.setdefault(keys, []).append(item.group(2).strip().strip("\"'"))
            continue
        key = _KEY.match(line)
        if not key:
            continue
        while path and path[-1][0] >= indent:
            path.pop()
        if not key.group(3):  # a key that opens a block
            path.append((indent, key.group(2)))
    return found


@lru_cache(maxsize=4)
def read_manifest(path: Path = MANIFEST) -> Manifest:
    """The bot scopes and redirect URLs of the manifest at `path`; ManifestError when it
    cannot be read or declares no bot scope. Read once: the settings check it at start
    and the install flow takes the same answer (the file ships with the code)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ManifestError(f"cannot read the app manifest {path}: {exc.strerror}") from exc
    lists = _lists(text)
    scopes = tuple(lists.get(("oauth_config", "scopes", "bot"), ()))
    if not scopes:
        raise ManifestError(f"the app manifest {path} declares no oauth_config.scopes.bot")
    return Manifest(scopes, tuple(lists.get(("oauth_config", "redirect_urls"), ())))


def redirect_path(redirect_uri: str | None) -> str:
    """The path the redirect is served on: the redirect URL's own, else the default."""
    path = urlsplit(redirect_uri).path if redirect_uri else ""
    return path or REDIRECT_PATH


def team_of(context) -> str:
    """The workspace key of a request in OAuth mode (bolt's context): the team id, or the
    enterprise id of an org-wide install."""
    return workspace_key(context.enterprise_id, context.team_id, context.is_enterprise_install)


def oauth_settings(
    client_id: str,
    client_secret: str,
    redirect_uri: str | None,
    installs: Installs,
    states: States,
    manifest: Manifest,
    on_installed: Callable[[str], None] | None = None,
) -> OAuthSettings:
    """bolt's OAuthSettings: the manifest's bot scopes and no user scope, our stores, the
    redirect URL given (else the manifest's, else the one the app has at Slack)."""
    redirect_uri = redirect_uri or manifest.redirect_url
    settings = OAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(manifest.bot_scopes),
        user_scopes=[],
        redirect_uri=redirect_uri,
        install_path=INSTALL_PATH,
        redirect_uri_path=redirect_path(redirect_uri),
        installation_store=installs,
        state_store=states,
        state_expiration_seconds=states.expiration_seconds,
        callback_options=CallbackOptions(success=_installed(on_installed), failure=_refused),
    )
    # the result of auth.test per token, cached: a request does not wait on a Web API call
    # once its workspace's token is known (a deleted installation is never looked up)
    settings.authorize.cache_enabled = True
    return settings


def _installed(on_installed: Callable[[str], None] | None) -> Callable[[SuccessArgs], BoltResponse]:
    def success(args: SuccessArgs) -> BoltResponse:
        i = args.installation
        team = workspace_key(i.enterprise_id, i.team_id, i.is_enterprise_install)
        if on_installed is not None:
            try:
                on_installed(team)
            except Exception as exc:  # installed all the same: say it, show success
                log.error("after installing in %s: %s", team, type(exc).__name__)
        return args.default.success(args)

    return success


def _refused(args: FailureArgs) -> BoltResponse:
    log.info("installation refused: %s", args.reason)
    return args.default.failure(args)


REDIRECT_PARAMS = ("code", "state", "error")
REDIRECT_TOKEN = re.compile(r"[A-Za-z0-9._-]{1,256}")  # Slack's codes, bolt's states, error codes


def unreadable_redirect(query: dict[str, list[str]]) -> str | None:
    """Why a redirect's query is not one Slack sends (None when it may be): its code,
    state and error are each given at most once, as a short token. Anything else is
    refused before bolt, which would log it whole (a code of kilobytes, an error
    carrying a line break that forges a log line) and send it to oauth.v2.access."""
    for name in REDIRECT_PARAMS:
        values = query.get(name) or []
        if len(values) > 1:
            return f"{name} given {len(values)} times"
        if values and not REDIRECT_TOKEN.fullmatch(values[0]):
            return f"{name} is not a short token ({len(values[0])} characters)"
    return None


def refuse_redirect(flow, request, why: str) -> BoltResponse:
    """bolt's failure page for a redirect refused by `unreadable_redirect` (400)."""
    log.info("installation refused: %s", why)
    default = flow.default_callback_options
    args = FailureArgs(request=request, reason="invalid_request", suggested_status_code=400,
                       settings=flow.settings, default=default)  # fmt: skip
    return default.failure(args)


# --- uninstalled, revoked -------------------------------------------------------------------


class Workspaces:
    """What happens to a workspace's trackers when its token comes or goes."""

    def __init__(self, db, clock: Callable[[], datetime], forget: Callable[[str], None]):
        self.db = db  # a callable giving this thread's connection
        self.clock = clock
        self.forget = forget  # drop the workspace's cached Slack client

    def gone(self, team: str, why: str) -> int:
        """The token is gone: its trackers are paused, its client forgotten."""
        self.forget(team)
        paused = pause_workspace(self.db(), team, why, self.clock())
        log.warning("workspace %s: %d open trackers paused (%s)", team, paused, why)
        return paused

    def installed(self, team: str) -> int:
        resumed = resume_workspace(self.db(), team, self.clock())
        self.forget(team)
        if resumed:
            log.info("workspace %s installed again: %d trackers resumed", team, resumed)
        return resumed


def happened_by(body: object) -> datetime | None:
    """The instant an event had surely happened by: its envelope's `event_time` (whole
    seconds, so one second later), None when it has none. Slack retries an event whose
    delivery failed for up to an hour, so an uninstall can arrive after a reinstall."""
    stamp = body.get("event_time") if isinstance(body, dict) else None
    if not isinstance(stamp, int) or isinstance(stamp, bool) or stamp <= 0:
        return None
    try:
        return datetime.fromtimestamp(stamp + 1, pytz.utc)
    except (OverflowError, OSError, ValueError):
        return None


def register(app: App, installs: Installs, workspaces: Workspaces) -> None:
    """`app_uninstalled` and `tokens_revoked` (bot token): the workspace's installation
    deleted, then its trackers paused. The workspace is the request's key (an org-wide
    install's event names a member team too; its installation is the enterprise's)."""

    def gone(body, context, why: str) -> None:
        team = team_of(context)
        if not team:  # no team, no enterprise: "" is the rows no workspace has adopted yet
            log.warning("an event saying clecbot's token is gone named no workspace; ignored")
            return
        after = happened_by(body)
        if after is not None and installs.installed_since(team, after):
            log.info("workspace %s: installed again since this event (Slack's late retry);"
                     " its new token stays", team)  # fmt: skip
            return
        installs.forget(team)
        workspaces.gone(team, why)

    def uninstalled(body, context) -> None:
        gone(body, context, UNINSTALLED)

    def revoked(body, event, context) -> None:
        tokens = event.get("tokens") or {}
        if not tokens.get("bot"):
            return  # only user tokens, which clecbot never keeps
        gone(body, context, REVOKED)

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


def register_single(app: App) -> None:
    """One token (SLACK_BOT_TOKEN): nothing to delete, but an operator must hear that the
    token stopped working (the nudges fail and stay due until a new token is set)."""

    def uninstalled() -> None:
        log.error("clecbot was uninstalled from its workspace: SLACK_BOT_TOKEN no longer"
                  " works; nudges stay due until the app is installed again")  # fmt: skip

    def revoked(event) -> None:
        if (event.get("tokens") or {}).get("bot"):
            log.error("clecbot's bot token was revoked: SLACK_BOT_TOKEN no longer works;"
                      " nudges stay due until a new token is set")  # fmt: skip

    app.event("app_uninstalled")(uninstalled)
    app.event("tokens_revoked")(revoked)


@dataclass
class Install:
    """OAuth mode's parts, shared by the app (authorizing requests), the notifier (a
    client per workspace) and /metrics (how many are installed)."""

    installs: Installs
    states: States
    clients: TeamClients
    workspaces: Workspaces
    client_id: str
    client_secret: str
    redirect_uri: str | None
    manifest: Manifest

    @classmethod
    def create(cls, settings, deps, make_client: Callable[[str], object]) -> Install:
        """From the settings (client id, secret, redirect URL, database), the app's
        manifest and the handlers' deps (a connection per thread, the clock)."""
        installs = Installs(settings.db_path, settings.client_id, deps.clock)
        clients = TeamClients(installs.bot_token, make_client)
        return cls(installs, States(settings.db_path, clock=deps.clock), clients,
                   Workspaces(deps.db, deps.clock, clients.forget), settings.client_id,
                   settings.client_secret, settings.redirect_uri,
                   read_manifest())  # fmt: skip

    def oauth_settings(self) -> OAuthSettings:
        return oauth_settings(self.client_id, self.client_secret, self.redirect_uri,
                              self.installs, self.states, self.manifest,
                              on_installed=self.workspaces.installed)  # fmt: skip
