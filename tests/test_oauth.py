"""Installing clecbot in many workspaces (issue 11 item 3, Slack's half): bolt's OAuth
flow served over HTTP against the fake Slack (install page, state, oauth.v2.access), a
token per workspace for every request and every nudge, and app_uninstalled /
tokens_revoked pausing a workspace's nudges until it is installed again."""

from __future__ import annotations

import re
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import pytz
from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.oauth.installation_store import Installation

import bot.handlers
from bot.handlers.app import build_app, http_server, install_parts, serve_in_thread
from bot.handlers.context import Deps
from bot.handlers.http import Ops
from bot.handlers.notifier import NotInstalled, SingleClient, SlackNotifier
from bot.handlers.oauth import MANIFEST, read_manifest, redirect_path, team_of
from bot.handlers.settings import SettingError, Settings, from_env
from bot.knowledge.loader import load
from bot.ops import OTHER_TEAMS, TEAM_LABELS, Metrics
from bot.reply import Reply
from bot.scheduler import NotifyError, Scheduler
from storage import trackers as repo
from storage.db import connect, immediate
from storage.installs import (
    PAUSED,
    Installs,
    States,
    pause_workspace,
    resume_workspace,
    workspace_key,
)
from storage.trackers import NewStep
from tests.fake_slack import (
    FakeSlack,
    Workspace,
    app_uninstalled,
    dm_message,
    event_callback,
    post,
    slash_command,
    tokens_revoked,
)

SECRET = "oauth-signing-secret"
CLIENT_ID = "1111.2222"
CLIENT_SECRET = "client-secret"
REDIRECT = "https://clec.example/slack/oauth_redirect"
T1, T2 = Workspace("T1", "Desk One"), Workspace("T2", "Desk Two")
ORG = Workspace("T5", "Org desk", enterprise_id="E1", is_enterprise_install=True)
MANIFEST_SCOPES = ("commands", "chat:write", "im:history", "im:write", "app_mentions:read",
                   "users:read", "files:write", "channels:read", "groups:read")  # fmt: skip


class Clock:
    def __init__(self):
        self.now = datetime.now(pytz.utc)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Page:
    status: int
    headers: dict[str, str]
    body: str


def get(url: str, cookie: str | None = None) -> Page:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=5) as answer:
            return Page(answer.status, dict(answer.headers), answer.read().decode())
    except urllib.error.HTTPError as exc:
        return Page(exc.code, dict(exc.headers), exc.read().decode())


class Desk:
    """clecbot in OAuth mode over HTTP, its fake Slack serving several workspaces."""

    def __init__(self, database: str, monkeypatch):
        monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
        monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
        self.fake = FakeSlack().start()
        self.fake.client_id, self.fake.client_secret = CLIENT_ID, CLIENT_SECRET
        self.db_path = database  # a SQLite file, or a PostgreSQL URL
        self.settings = Settings("", SECRET, None, self.fake.api_url, 0, self.db_path,
                                 "America/Chicago", 0.05, client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET, redirect_uri=REDIRECT)  # fmt: skip
        self.clock = Clock()
        self.deps = Deps(load(), self.db_path, "America/Chicago", clock=self.clock)
        self.install_parts = install_parts(self.settings, self.deps)
        self.app = build_app(self.settings, self.deps, self.install_parts)
        self.metrics = Metrics()
        self.metrics.watch_installs(lambda: len(self.install_parts.installs.teams()))
        self.server = http_server(self.app, "127.0.0.1", 0, signing_secret=SECRET,
                                  ops=Ops(metrics=self.metrics))  # fmt: skip
        serve_in_thread(self.server)
        self.base = f"http://127.0.0.1:{self.server.port}"
        self.db = connect(self.db_path)
        self.notifier = SlackNotifier(self.install_parts.clients, zone_in=self.deps.zone_of,
                                      on_gone=self.install_parts.workspaces.gone,
                                      metrics=self.metrics)  # fmt: skip

    def close(self):
        self.server.shutdown()
        self.app.listener_runner.listener_executor.shutdown(wait=True, cancel_futures=True)
        self.fake.stop()
        self.db.conn.close()

    # the installer's browser
    def start_install(self) -> tuple[Page, str, str]:
        """The install page, the state its authorize link carries, and the cookie set."""
        page = get(self.base + "/slack/install")
        link = unescape(re.search(r'<a href="([^"]+)"', page.body).group(1))
        state = parse_qs(urlsplit(link).query)["state"][0]
        cookie = page.headers["Set-Cookie"].split(";", 1)[0]
        return page, state, cookie

    def redirect(self, code: str, state: str, cookie: str | None) -> Page:
        query = urlencode({"code": code, "state": state})
        return get(f"{self.base}{redirect_path(REDIRECT)}?{query}", cookie)

    def install(self, workspace: Workspace) -> str:
        """Install in `workspace` as its admin would; returns the bot token Slack gave."""
        _, state, cookie = self.start_install()
        code, token = self.fake.install_code(workspace)
        assert self.redirect(code, state, cookie).status == 200
        return token

    # Slack's side
    def event(self, event: dict, workspace: Workspace, event_id: str) -> int:
        org = workspace.is_enterprise_install
        body, headers = event_callback(event, event_id=event_id, team=workspace.team_id,
                                       enterprise=workspace.enterprise_id,
                                       is_enterprise_install=org)  # fmt: skip
        return post(f"{self.base}/slack/events", body, SECRET, extra_headers=headers)[0]

    def command(self, text: str, workspace: Workspace, user: str, name: str) -> int:
        body = slash_command(text, user=user, team=workspace.team_id,
                             response_url=self.fake.response_url(name))  # fmt: skip
        return post(f"{self.base}/slack/events", body, SECRET)[0]

    # trackers and nudges
    def due_tracker(self, team: str, owner: str) -> int:
        now = self.clock()
        steps = [NewStep(1, "reminder", now - timedelta(seconds=1), "call the center back")]
        return repo.create(self.db, owner=owner, kind="custom", title="call back",
                           zone="America/Chicago", started_at=now, steps=steps, now=now,
                           team=team)  # fmt: skip

    def tick(self) -> int:
        return Scheduler(self.deps.k, self.notifier, self.db_path, tick=1,
                         clock=self.clock, metrics=self.metrics).tick()  # fmt: skip

    def metric(self, name: str, team: str | None = None) -> float | None:
        text = get(self.base + "/metrics").body
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == name and (team is None or sample.labels.get("team") == team):
                    return sample.value
        return None


@pytest.fixture
def desk(database, monkeypatch):
    """The whole flow once per backend: installations, states and trackers in SQLite, then
    in PostgreSQL."""
    d = Desk(database, monkeypatch)
    yield d
    d.close()


def dm_posts(fake: FakeSlack, token: str) -> list:
    return [c for c in fake.calls_with(token) if c.method == "chat.postMessage"]


# --- the install page and the redirect ------------------------------------------------------


def test_install_page_links_to_slack_with_the_manifests_scopes_and_a_state(desk):
    page, state, cookie = desk.start_install()
    link = parse_qs(urlsplit(unescape(re.search(r'<a href="([^"]+)"', page.body).group(1))).query)
    assert page.status == 200 and "slack.com/oauth/v2/authorize" in page.body
    assert link["client_id"] == [CLIENT_ID]
    assert tuple(link["scope"][0].split(",")) == MANIFEST_SCOPES
    assert link.get("user_scope", [""]) == [""]
    assert link["redirect_uri"] == [REDIRECT]
    assert len(state) >= 20 and cookie.endswith("=" + state)


@pytest.mark.parametrize(
    "how, reason",
    [("unknown state", "invalid_state"), ("no cookie", "invalid_browser"),
     ("another browser's cookie", "invalid_browser")],
)  # fmt: skip
def test_a_redirect_with_a_bad_state_is_refused(desk, how, reason):
    _, state, cookie = desk.start_install()
    code, _ = desk.fake.install_code(T1)
    if how == "unknown state":
        state = "not-issued-here"
        cookie = f"slack-app-oauth-state={state}"
    elif how == "no cookie":
        cookie = None
    else:
        cookie = "slack-app-oauth-state=someone-elses"
    page = desk.redirect(code, state, cookie)
    assert page.status in (400, 401)
    assert desk.fake.calls_to("oauth.v2.access") == []
    assert desk.install_parts.installs.teams() == []


def test_a_state_is_used_once(desk):
    _, state, cookie = desk.start_install()
    first, _ = desk.fake.install_code(T1)
    second, _ = desk.fake.install_code(T2)
    assert desk.redirect(first, state, cookie).status == 200
    assert desk.redirect(second, state, cookie).status == 401
    assert desk.install_parts.installs.teams() == ["T1"]


def test_an_expired_state_is_refused(desk):
    _, state, cookie = desk.start_install()
    code, _ = desk.fake.install_code(T1)
    desk.clock.now += timedelta(seconds=601)
    assert desk.redirect(code, state, cookie).status == 401
    assert desk.install_parts.installs.teams() == []


def test_a_code_slack_refuses_installs_nothing(desk):
    _, state, cookie = desk.start_install()
    assert desk.redirect("code-never-issued", state, cookie).status == 401
    assert desk.install_parts.installs.teams() == []


def test_two_workspaces_installed_each_with_its_own_token(desk):
    one, two = desk.install(T1), desk.install(T2)
    installs = desk.install_parts.installs
    assert installs.teams() == ["T1", "T2"]
    assert (installs.bot_token("T1"), installs.bot_token("T2")) == (one, two)
    exchange = desk.fake.calls_to("oauth.v2.access")
    assert len(exchange) == 2 and exchange[0].params["code"].startswith("code-T1-")
    assert exchange[0].headers["authorization"].startswith("Basic ")  # id and secret
    assert exchange[0].params["redirect_uri"] == REDIRECT
    found = installs.find_installation(enterprise_id=None, team_id="T2")
    assert (found.bot_token, found.team_name, found.bot_user_id) == (two, "Desk Two", "UBOT")
    assert desk.metric("clecbot_workspaces_installed") == 2


def test_installing_again_replaces_the_token(desk):
    desk.install(T1)
    again = desk.install(T1)
    assert desk.install_parts.installs.teams() == ["T1"]
    assert desk.install_parts.installs.bot_token("T1") == again


# --- requests from each workspace -----------------------------------------------------------


def test_a_slash_command_from_each_workspace_uses_that_workspaces_token(desk):
    one, two = desk.install(T1), desk.install(T2)
    assert desk.command("is the npsc open", T1, user="U1", name="one") == 200
    assert desk.command("is the npsc open", T2, user="U2", name="two") == 200
    desk.fake.wait_for("response_url:one")
    desk.fake.wait_for("response_url:two")
    asked = {c.params["user"]: c.token for c in desk.fake.calls_to("users.info")}
    assert asked == {"U1": one, "U2": two}
    tested = {c.token for c in desk.fake.calls_to("auth.test") if c.token}
    assert {one, two} <= tested


def test_a_dm_in_each_workspace_is_answered_with_its_own_token(desk):
    one, two = desk.install(T1), desk.install(T2)
    assert desk.event(dm_message("is the npsc open", user="U1"), T1, "EvA") == 200
    assert desk.event(dm_message("is the npsc open", user="U2"), T2, "EvB") == 200
    desk.fake.wait_for("chat.postMessage", count=2)
    assert len(dm_posts(desk.fake, one)) == 1 and len(dm_posts(desk.fake, two)) == 1


def test_a_workspace_that_never_installed_gets_no_answer_with_anyone_elses_token(desk):
    one = desk.install(T1)
    desk.command("is the npsc open", Workspace("T9"), user="U9", name="nine")
    answer = desk.fake.wait_for("response_url:nine")[-1]
    assert "reinstall" in answer.body or "installation" in answer.body
    assert [c for c in desk.fake.calls if c.token == one and c.method != "auth.test"] == []


def test_an_org_wide_install_answers_every_workspace_of_the_org(desk):
    token = desk.install(ORG)
    assert desk.install_parts.installs.teams() == ["E1"]
    desk.event(dm_message("is the npsc open", user="W1"), ORG, "EvOrg")
    desk.fake.wait_for("chat.postMessage")
    assert len(dm_posts(desk.fake, token)) == 1


def test_an_org_wide_uninstall_deletes_the_orgs_installation(desk):
    desk.install(ORG)
    desk.install(T1)
    tracker = desk.due_tracker("E1", "W1")
    assert desk.event(app_uninstalled(), ORG, "EvOrgGone") == 200
    assert desk.install_parts.installs.teams() == ["T1"]
    assert repo.get(desk.db, tracker, team="E1").problem.startswith(PAUSED)


def test_the_workspace_key_is_in_the_requests_context():
    @dataclass
    class Context:
        enterprise_id: str | None
        team_id: str | None
        is_enterprise_install: bool

    assert team_of(Context(None, "T1", False)) == "T1"
    assert team_of(Context("E1", "T1", False)) == "T1"  # a workspace of a Grid org
    assert team_of(Context("E1", "T1", True)) == "E1"  # installed org-wide
    assert team_of(Context("E1", None, False)) == "E1"
    assert workspace_key(None, None) == ""


# --- nudges per workspace, uninstalled, revoked ---------------------------------------------


def test_each_nudge_goes_with_its_own_workspaces_token(desk):
    one, two = desk.install(T1), desk.install(T2)
    desk.due_tracker("T1", "U1")
    desk.due_tracker("T2", "U2")
    assert desk.tick() == 2
    assert [c.params["channel"] for c in dm_posts(desk.fake, one)] == ["U1"]
    assert [c.params["channel"] for c in dm_posts(desk.fake, two)] == ["U2"]
    assert desk.metric("clecbot_workspace_nudges_sent_total", "T1") == 1
    assert desk.metric("clecbot_workspace_nudges_sent_total", "T2") == 1


def uninstall_then_tick(desk, event: dict):
    one, _ = desk.install(T1), desk.install(T2)
    mine, theirs = desk.due_tracker("T1", "U1"), desk.due_tracker("T2", "U2")
    assert desk.event(event, T1, "EvGone") == 200
    assert desk.install_parts.installs.teams() == ["T2"]
    after = len(desk.fake.calls)
    assert desk.tick() == 1
    desk.clock.now += timedelta(minutes=5)
    desk.tick()
    later = desk.fake.calls[after:]
    assert [c for c in later if c.token == one] == []
    assert [c.params["channel"] for c in later if c.method == "chat.postMessage"] == ["U2"]
    return mine, theirs


@pytest.mark.parametrize("event", [app_uninstalled(), tokens_revoked(bot=["UBOT"])])
def test_uninstalled_or_revoked_stops_that_workspaces_nudges_only(desk, event):
    mine, theirs = uninstall_then_tick(desk, event)
    paused = repo.get(desk.db, mine, team="T1")
    assert paused.problem.startswith(PAUSED) and "installed again" in paused.problem
    assert [e["kind"] for e in repo.events(desk.db, mine, team="T1")][-1] == "paused_nudges"
    assert repo.get(desk.db, theirs, team="T2").problem is None
    assert repo.untold(desk.db) == []  # no owner to tell without a token


def test_a_revoked_user_token_changes_nothing(desk):
    desk.install(T1)
    desk.due_tracker("T1", "U1")
    desk.event(tokens_revoked(oauth=["U7"]), T1, "EvUser")
    assert desk.install_parts.installs.teams() == ["T1"]
    assert desk.tick() == 1


def test_installing_again_resumes_the_paused_nudges(desk):
    desk.install(T1)
    mine = desk.due_tracker("T1", "U1")
    desk.event(app_uninstalled(), T1, "EvGone")
    assert desk.tick() == 0
    again = desk.install(T1)
    assert repo.get(desk.db, mine, team="T1").problem is None
    assert desk.tick() == 1
    assert [c.params["channel"] for c in dm_posts(desk.fake, again)] == ["U1"]
    kinds = [e["kind"] for e in repo.events(desk.db, mine, team="T1")]
    assert kinds[-3:-1] == ["paused_nudges", "resumed_nudges"] and kinds[-1] == "nudged"


def test_a_token_slack_refuses_pauses_its_workspace_after_one_try(desk):
    one, _ = desk.install(T1), desk.install(T2)
    desk.due_tracker("T1", "U1")
    desk.due_tracker("T2", "U2")
    desk.fake.revoke(one)  # no event came (missed, or still on its way)
    assert desk.tick() == 1
    refused = [c for c in desk.fake.calls_with(one) if c.method == "chat.postMessage"]
    assert len(refused) == 1
    desk.clock.now += timedelta(minutes=5)
    desk.tick()
    assert len([c for c in desk.fake.calls_with(one) if c.method == "chat.postMessage"]) == 1
    assert desk.metric("clecbot_workspace_nudges_failed_total", "T1") == 1


def test_a_tracker_of_a_workspace_with_no_installation_is_paused_without_a_call(desk):
    desk.install(T2)
    orphan = desk.due_tracker("T7", "U7")
    before = len(desk.fake.calls)
    assert desk.tick() == 0
    assert desk.fake.calls[before:] == []
    assert repo.get(desk.db, orphan, team="T7").problem.startswith(PAUSED)


# --- one token: as before -------------------------------------------------------------------


def test_one_token_serves_workspace_blank_and_refuses_any_other():
    client = object()
    single = SingleClient(client)
    assert single.for_team("") is client
    with pytest.raises(NotInstalled):
        single.for_team("T1")
    assert issubclass(NotInstalled, NotifyError)  # the step stays due, as a failed send


def test_one_token_mode_sends_blank_workspace_nudges_with_that_token(tmp_path, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    with FakeSlack() as fake:
        from slack_sdk import WebClient

        db_path = str(tmp_path / "one.db")
        db = connect(db_path)
        now = datetime.now(pytz.utc)
        for team in ("", "T1"):
            step = NewStep(1, "reminder", now - timedelta(seconds=1), "call back")
            repo.create(db, owner="U1", kind="custom", title="call back", zone="UTC",
                        started_at=now, steps=[step], now=now, team=team)  # fmt: skip
        notifier = SlackNotifier(WebClient(token="xoxb-one", base_url=fake.api_url, timeout=5))
        assert Scheduler(load(), notifier, db_path, tick=1).tick() == 1
        assert [c.token for c in fake.calls_to("chat.postMessage")] == ["xoxb-one"]


# --- settings and manifest ------------------------------------------------------------------

BASE = {"SLACK_SIGNING_SECRET": "s", "CLEC_BOT_DB": "x.db"}


@pytest.mark.parametrize(
    "env, oauth",
    [({"SLACK_BOT_TOKEN": "xoxb-1"}, False),
     ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, True),
     ({"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c"}, False)],
)  # fmt: skip
def test_the_mode_is_chosen_by_the_settings(env, oauth):
    settings = from_env({**BASE, **env})
    assert settings.oauth is oauth
    assert settings.client_id == ("1.2" if oauth else None)


@pytest.mark.parametrize(
    "env, named",
    [({}, "SLACK_BOT_TOKEN"),
     ({"SLACK_CLIENT_ID": "1.2"}, "SLACK_CLIENT_SECRET"),
     ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_APP_TOKEN": "xapp-1"},
      "SLACK_APP_TOKEN"),
     ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_SIGNING_SECRET": ""},
      "SLACK_SIGNING_SECRET"),
     ({"SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "c", "SLACK_REDIRECT_URI": "clec/x"},
      "SLACK_REDIRECT_URI")],
)  # fmt: skip
def test_a_bad_oauth_setting_is_named(env, named):
    with pytest.raises(SettingError, match=named):
        from_env({**BASE, **env})


def test_the_manifest_ships_in_the_package_and_the_root_one_is_it():
    """OAuth mode reads the manifest installed with the code (a wheel has no repo root);
    the manifest.yml people paste into api.slack.com is a link to that same file."""
    package = Path(bot.handlers.__file__).resolve().parent
    assert MANIFEST.parent == package and MANIFEST.is_file()
    assert (package.parents[1] / "manifest.yml").resolve() == MANIFEST


def test_the_scopes_are_the_manifests(tmp_path):
    assert read_manifest(MANIFEST).bot_scopes == MANIFEST_SCOPES
    assert read_manifest(MANIFEST).redirect_url is None  # YOUR-HOST is a placeholder
    other = tmp_path / "manifest.yml"
    other.write_text(
        "oauth_config:\n  redirect_urls:\n  - https://bot.example/oauth  # ours\n"
        "  scopes:\n    bot:\n      - commands   # /clec\n      - chat:write\n"
        "settings:\n  bot_events:\n    - message.im\n"
    )
    manifest = read_manifest(other)
    assert manifest.bot_scopes == ("commands", "chat:write")
    assert manifest.redirect_url == "https://bot.example/oauth"
    assert redirect_path(manifest.redirect_url) == "/oauth"


def test_states_are_one_use_and_expire(database):
    clock = Clock()
    states = States(database, expiration_seconds=60, clock=clock)
    first, second = states.issue(), states.issue()
    assert first != second
    assert states.consume(first) is True
    assert states.consume(first) is False
    clock.now += timedelta(seconds=61)
    assert states.consume(second) is False
    assert states.consume("") is False


def test_live_states_are_capped_oldest_first(database):
    """Anyone may ask /slack/install for a state: the table keeps at most `max_live`."""
    clock = Clock()
    states = States(database, expiration_seconds=60, clock=clock, max_live=3)
    issued = []
    for _ in range(5):
        issued.append(states.issue())
        clock.now += timedelta(seconds=1)
    assert [states.consume(s) for s in issued] == [False, False, True, True, True]


# --- the workspace key reaches the data -----------------------------------------------------


def stored_teams(desk) -> list[tuple[str, str]]:
    rows = desk.db.execute("SELECT owner, team_id FROM trackers ORDER BY id").fetchall()
    return [tuple(r) for r in rows]


def wait_for_trackers(desk, count: int) -> list[tuple[str, str]]:
    for _ in range(500):
        if len(found := stored_teams(desk)) >= count:
            return found
        time.sleep(0.01)
    raise AssertionError(f"wanted {count} trackers, got {stored_teams(desk)}")


def test_a_tracker_made_in_each_workspace_is_kept_under_it_and_nudged_with_its_token(desk):
    one, org = desk.install(T1), desk.install(ORG)
    line = "track bvoip sev 1 site down since 8am AOTS 1"
    desk.command(line, T1, user="U1", name="one")
    desk.event(dm_message(line, user="W1"), ORG, "EvOrgTrack")
    assert sorted(wait_for_trackers(desk, 2)) == [("U1", "T1"), ("W1", "E1")]
    desk.fake.wait_for("response_url:one")
    desk.clock.now += timedelta(hours=3)  # the first levels are due by then
    assert desk.tick() == 2
    nudged = {c.params["channel"]: c.token for c in desk.fake.calls_to("chat.postMessage")
              if c.params.get("metadata")}  # fmt: skip
    assert nudged == {"U1": one, "W1": org}


def test_a_digest_is_posted_with_its_workspaces_token(desk):
    one, two = desk.install(T1), desk.install(T2)
    for team in ("T2", "T1"):
        reply = Reply("digest", "Morning digest")
        reply.data["digest"] = {"channel": "C1", "team_id": team}
        desk.notifier.post_digest("C1", reply)
    assert [c.token for c in desk.fake.calls_to("chat.postMessage")] == [two, one]


def test_an_owner_is_told_of_a_problem_with_their_workspaces_token(desk):
    desk.install(T1)
    two = desk.install(T2)
    tracker = desk.due_tracker("T2", "U2")
    with immediate(desk.db):
        repo.set_aside(desk.db, tracker, "a row that cannot be read")
    desk.tick()
    told = desk.fake.wait_for("chat.postMessage")
    assert [(c.params["channel"], c.token) for c in told] == [("U2", two)]


# --- the stores on both backends --------------------------------------------------------------


def installation(team: str | None, enterprise: str | None = None, org: bool = False,
                 token: str = "xoxb-1", installer: str = "UADMIN") -> Installation:  # fmt: skip
    return Installation(team_id=team, enterprise_id=enterprise, is_enterprise_install=org,
                        bot_token=token, bot_id="B1", bot_user_id="UBOT", user_id=installer,
                        bot_scopes=["commands", "chat:write"], app_id="A1",
                        team_name=team)  # fmt: skip


def test_installations_are_kept_per_workspace(database):
    installs = Installs(database, CLIENT_ID)
    installs.save(installation("T1", token="xoxb-t1"))
    installs.save(installation("T2", enterprise="E1", token="xoxb-t2"))  # in a Grid org
    installs.save(installation(None, enterprise="E2", org=True, token="xoxb-e2"))  # org-wide
    installs.save(installation("T1", token="xoxb-t1-again"))  # installed again: replaced
    assert installs.teams() == ["E2", "T1", "T2"]
    assert installs.bot_token("T1") == "xoxb-t1-again"
    found = installs.find_installation(enterprise_id="E1", team_id="T2")
    assert (found.bot_token, found.enterprise_id, found.bot_scopes) == (
        "xoxb-t2", "E1", ["commands", "chat:write"])  # fmt: skip
    member = installs.find_bot(enterprise_id="E2", team_id="T9", is_enterprise_install=True)
    assert member.bot_token == "xoxb-e2"  # any workspace of the org: the org's install
    assert installs.find_installation(enterprise_id=None, team_id="T1", user_id="U5") is None
    installs.delete_installation(enterprise_id=None, team_id="T1", user_id="U5")  # no user token
    assert installs.bot_token("T1") == "xoxb-t1-again"
    installs.delete_bot(enterprise_id="E1", team_id="T2")
    installs.delete_all(enterprise_id="E2", team_id=None)
    assert installs.teams() == ["T1"]
    assert Installs(database, "another-app").teams() == []  # another app's rows are its own


def test_a_workspace_is_paused_and_resumed_on_both_backends(database):
    db = connect(database)
    now = datetime.now(pytz.utc)
    due = [NewStep(1, "reminder", now - timedelta(seconds=1), "call back")]
    ids = {team: repo.create(db, owner="U1", kind="custom", title="call back", zone="UTC",
                             started_at=now, steps=due, now=now, team=team)
           for team in ("T1", "T2")}  # fmt: skip
    assert pause_workspace(db, "T1", "uninstalled", now) == 1
    assert pause_workspace(db, "T1", "uninstalled", now) == 0  # once
    assert repo.due_unsent(db, now)[0] == 1
    assert resume_workspace(db, "T1", now) == 1
    assert repo.due_unsent(db, now)[0] == 2
    kinds = [e["kind"] for e in repo.events(db, ids["T1"], team="T1")]
    assert kinds == ["created", "paused_nudges", "resumed_nudges"]


def test_one_token_mode_says_when_it_was_uninstalled(tmp_path, monkeypatch, caplog):
    from tests.test_slack import Bot

    bot = Bot(tmp_path, monkeypatch)
    try:
        assert bot.event(app_uninstalled(), event_id="EvBye")[0] == 200
        for _ in range(200):
            if "uninstalled" in caplog.text:
                break
            time.sleep(0.01)
        assert "SLACK_BOT_TOKEN no longer works" in caplog.text
        assert bot.fake.calls_to("chat.postMessage") == []
    finally:
        bot.close()


def test_workspace_labels_are_bounded():
    metrics = Metrics()
    for n in range(TEAM_LABELS + 5):
        metrics.workspace_nudge(f"T{n}", sent=True)
    metrics.workspace_nudge("T0", sent=False)
    labels = {s.labels["team"]: s.value
              for f in text_string_to_metric_families(metrics.text().decode())
              for s in f.samples if s.name == "clecbot_workspace_nudges_sent_total"}  # fmt: skip
    assert len(labels) == TEAM_LABELS + 1 and labels[OTHER_TEAMS] == 5 and labels["T0"] == 1


def test_the_oauth_pages_take_only_get(desk):
    request = urllib.request.Request(desk.base + "/slack/install", data=b"", method="POST")
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(request, timeout=5)
    assert refused.value.code == 405


def test_an_install_begun_on_one_replica_finishes_on_another(desk):
    deps = Deps(load(), desk.db_path, "America/Chicago", clock=desk.clock)
    other = build_app(desk.settings, deps)  # a second replica on the same database
    server = http_server(other, "127.0.0.1", 0, signing_secret=SECRET)
    serve_in_thread(server)
    try:
        _, state, cookie = desk.start_install()
        code, token = desk.fake.install_code(T1)
        query = urlencode({"code": code, "state": state})
        page = get(f"http://127.0.0.1:{server.port}/slack/oauth_redirect?{query}", cookie)
        assert page.status == 200
        assert desk.install_parts.installs.bot_token("T1") == token  # seen by the first
        assert desk.redirect(code, state, cookie).status == 401  # and the state is spent
    finally:
        server.shutdown()
