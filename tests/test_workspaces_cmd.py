"""`clecbot workspaces` and `clecbot workspaces adopt`: a single-token database moved to
many workspaces with one command, on SQLite and on PostgreSQL.

The desk below is a database from single-token days (rows under "") next to an
installed workspace T0123ABCD that already has a tracker of its own, paused after Slack
refused its token. Each test runs one-line commands through `clecbot`'s own entry point
and reads the result back through the storage calls the bot itself uses.
"""

from __future__ import annotations

import shlex
from datetime import datetime, timedelta

import pytest
import pytz
from slack_sdk.oauth.installation_store import Installation

from bot.cli import main
from storage import desk
from storage import trackers as repo
from storage.db import connect, first_sighting, is_postgres
from storage.installs import PAUSED, Installs, pause_workspace, resume_workspace
from storage.trackers import NewStep
from storage.workspaces import KEY_RE, Moved, plausible, said

CLIENT_ID = "111.222"
T = "T0123ABCD"  # installed
NOW = datetime(2026, 11, 23, 16, 0, tzinfo=pytz.utc)
CT = "America/Chicago"


@pytest.fixture
def env(database, monkeypatch):
    """The command's environment names `database` (either backend) and the app."""
    name = "DATABASE_URL" if database.startswith("postgresql") else "CLEC_BOT_DB"
    monkeypatch.setenv(name, database)
    monkeypatch.setenv("SLACK_CLIENT_ID", CLIENT_ID)
    return database


@pytest.fixture
def db(env):
    conn = connect(env)
    yield conn
    conn.conn.close()


def made(db, team: str, title: str, owner="U1", channel="C1") -> int:
    steps = [NewStep(1, "escalate", NOW + timedelta(hours=1), "First Level: Tier 1"),
             NewStep(2, "escalate", NOW + timedelta(hours=2), "Second Level: Manager")]  # fmt: skip
    return repo.create(db, owner=owner, kind="bvoip", title=title, zone=CT, started_at=NOW,
                       steps=steps, now=NOW, channel=channel, severity=1, team=team)  # fmt: skip


def install(env, team: str, name: str = "Acme CLEC") -> None:
    Installs(env, CLIENT_ID).save(
        Installation(
            team_id=team,
            bot_token=f"xoxb-{team}",
            bot_id="B1",
            bot_user_id="UBOT",
            user_id="U9",
            bot_scopes=["commands", "chat:write"],
            app_id="A1",
            team_name=name,
            installed_at=NOW.timestamp(),
        )  # fmt: skip
    )


@pytest.fixture
def desk_rows(db, env):
    """'' holds #1 (open), #2 (open, paused for lack of a token), #3 (resolved), C1's
    digest, one digest run, dedupe keys Ev1 and Ev2; T0123ABCD is installed and holds #4
    (paused: Slack refused its token) and dedupe key Ev2."""
    ids = [made(db, "", "BVoIP down at Dallas"), made(db, "", "BVoIP down at Austin", "U2"),
           made(db, "", "Old one")]  # fmt: skip
    repo.resolve(db, ids[2], "U1", NOW)
    pause_workspace(db, "", "no installation has this workspace's key", NOW)
    # (#1 was paused too by the line above: it waits again, #2 stays paused)
    db.execute("UPDATE trackers SET problem = NULL, problem_told = 0 WHERE id = ?", (ids[0],))
    desk.set_digest(db, "C1", "08:00", CT, "U1", NOW)
    desk.skip_run(db, "C1", "2026-11-20", NOW - timedelta(days=3), NOW)
    first_sighting(db, "Ev1", NOW)
    first_sighting(db, "Ev2", NOW)
    install(env, T)
    own = made(db, T, "Qwest ticket 45678")
    pause_workspace(db, T, "Slack refused the token (invalid_auth)", NOW)
    first_sighting(db, "Ev2", NOW, team=T)
    return [*ids, own]


def run(line: str, capsys) -> tuple[int, str, str]:
    """One command line (as typed after `clecbot`) to its exit code, stdout and stderr."""
    code = main(shlex.split(line))
    out, err = capsys.readouterr()
    return code, out, err


def holdings(db) -> list[tuple]:
    """Every table's rows per workspace key: what a refusal must leave as it was."""
    return [
        tuple(
            db.execute(
                f"SELECT team_id, COUNT(*) FROM {table} GROUP BY team_id ORDER BY team_id"
            ).fetchall()
        )  # fmt: skip
        for table in ("trackers", "digests", "digest_runs", "slack_events")
    ] + [tuple(db.execute("SELECT tracker_id, kind FROM events ORDER BY id").fetchall())]


# --- the keys ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "ok"),
    [
        ("T0123ABCD", True),
        ("T01ABCDEFGH", True),  # newer ids are longer
        ("E0KH6G5BM", True),  # an org-wide Enterprise Grid install
        ("t0123abcd", False),  # Slack writes them in capitals
        ("C0123ABCD", False),  # a channel id
        ("U0123ABCD", False),  # a user id
        ("T0123ABCD ", False),
        ("T1", False),  # too short to be Slack's
        ("", False),
        ("'T0123ABCD'", False),
    ],
)
def test_plausible_workspace_keys(key, ok):
    assert plausible(key) is ok
    assert (KEY_RE.fullmatch(key) is not None) is ok


# --- listing -------------------------------------------------------------------------


def test_listing_shows_each_key_its_installation_and_counts(desk_rows, capsys):
    code, out, err = run("workspaces", capsys)
    assert (code, err) == (0, "")
    lines = [line.split() for line in out.splitlines()]
    assert lines[0] == ["WORKSPACE", "INSTALLED", "NAME", "TRACKERS", "OPEN", "PAUSED", "DIGESTS"]
    assert lines[1] == ["(single-token)", "no", "3", "2", "1", "1"]
    assert lines[2] == [T, "2026-11-23", "16:00Z", "Acme", "CLEC", "1", "1", "1", "0"]
    assert len(lines) == 3


def test_listing_as_json(desk_rows, capsys):
    import json

    code, out, _ = run("workspaces --json", capsys)
    assert code == 0
    assert json.loads(out) == [
        {"team": "", "label": "(single-token)", "installed": False, "installed_at": None,
         "name": None, "trackers": 3, "open": 2, "paused": 1, "digests": 1},
        {"team": T, "label": T, "installed": True, "installed_at": "2026-11-23T16:00:00.000Z",
         "name": "Acme CLEC", "trackers": 1, "open": 1, "paused": 1, "digests": 0},
    ]  # fmt: skip


def test_listing_an_empty_database(env, capsys):
    assert run("workspaces", capsys)[:2] == (
        0,
        "No workspaces: the database holds no trackers, digests or installations.\n",
    )
    assert run("workspaces --json", capsys)[:2] == (0, "[]\n")


def test_listing_counts_only_this_apps_installations(desk_rows, env, capsys, monkeypatch):
    monkeypatch.setenv("SLACK_CLIENT_ID", "999.other-app")
    out = run("workspaces", capsys)[1]
    assert f"{T}  " in out and "Acme" not in out and " no " in out.splitlines()[2]


# --- refusals: one line, nothing changed -----------------------------------------------


@pytest.mark.parametrize(
    ("line", "code", "said"),
    [
        ("workspaces adopt ''", 2, "cannot adopt: the rows are already under (single-token)"),
        ("workspaces adopt '(single-token)'", 2, "already under (single-token)"),
        (f"workspaces adopt {T} --from {T}", 2, f"already under {T};"),
        ("workspaces adopt t0123abcd", 2, "'t0123abcd' does not look like a workspace key"),
        ("workspaces adopt C0123ABCD", 2, "'C0123ABCD' does not look like a workspace key"),
        ("workspaces adopt 'T0123ABCD '", 2, "'T0123ABCD ' does not look like"),
        ("workspaces adopt T1", 2, "'T1' does not look like a workspace key"),
        ("workspaces adopt T1 --dry-run", 2, "add --force"),
    ],
)
def test_refused_keys(desk_rows, db, capsys, line, code, said):
    before = holdings(db)
    got, out, err = run(line, capsys)
    assert (got, out) == (code, "")
    assert err.startswith("clecbot: ") and said in err and err.count("\n") == 1
    assert holdings(db) == before


def test_nothing_to_move_says_so_and_changes_nothing(desk_rows, db, capsys):
    before = holdings(db)
    assert run(f"workspaces adopt {T} --from T4444AAAA", capsys) == (
        0,
        "Nothing to move: T4444AAAA holds no trackers, digests, digest runs or dedupe keys.\n",
        "",
    )
    assert holdings(db) == before


def test_a_digest_both_hold_is_named_and_nothing_moves(desk_rows, db, capsys):
    desk.set_digest(db, "C1", "09:00", CT, "U5", NOW, team=T)  # a Slack Connect channel
    desk.set_digest(db, "C2", "09:00", CT, "U5", NOW, team=T)
    desk.set_digest(db, "C2", "07:00", CT, "U1", NOW)
    before = holdings(db)
    code, out, err = run(f"workspaces adopt {T}", capsys)
    assert (code, out) == (1, "")
    assert err == (
        f"clecbot: cannot adopt: the digest of channel C1 is set under both (single-token)"
        f" and {T} (and 1 more); keep one (DELETE FROM digests WHERE team_id = '' AND"
        " channel = 'C1') and run again\n"
    )
    assert holdings(db) == before
    assert run(f"workspaces adopt {T} --dry-run", capsys)[0] == 1  # the dry run sees it too


def test_a_digest_run_both_hold_is_named(desk_rows, db, capsys):
    desk.skip_run(db, "C1", "2026-11-20", NOW - timedelta(days=3), NOW, team=T)
    before = holdings(db)
    code, _, err = run(f"workspaces adopt {T}", capsys)
    assert code == 1
    assert "the digest run of channel C1 on 2026-11-20 is kept under both" in err
    assert holdings(db) == before


def test_a_database_that_cannot_be_written_is_refused(desk_rows, db, env, capsys, monkeypatch):
    before = holdings(db)
    if is_postgres(db):
        joiner = "&" if "?" in env else "?"
        monkeypatch.setenv(
            "DATABASE_URL", f"{env}{joiner}options=-c%20default_transaction_read_only%3Don"
        )
    else:
        monkeypatch.setenv("CLEC_BOT_DB", f"file:{env}?mode=ro")
    code, out, err = run(f"workspaces adopt {T}", capsys)
    assert (code, out) == (1, "")
    assert err.startswith("clecbot: database ") and "cannot be written" in err
    assert err.count("\n") == 1
    assert holdings(db) == before
    assert run(f"workspaces adopt {T} --dry-run", capsys)[0] == 0  # reading still works
    assert run("workspaces", capsys)[0] == 0


def test_a_failure_midway_leaves_every_row_where_it_was(desk_rows, db, capsys):
    """One transaction: the digest runs' move fails after the trackers' and digests'."""
    if is_postgres(db):
        db.execute("CREATE FUNCTION h19_refuse() RETURNS trigger LANGUAGE plpgsql AS"
                   " $$ BEGIN RAISE EXCEPTION 'refused by a test'; END $$")  # fmt: skip
        db.execute("CREATE TRIGGER h19_refuse BEFORE UPDATE ON digest_runs"
                   " FOR EACH ROW EXECUTE FUNCTION h19_refuse()")  # fmt: skip
    else:
        db.execute("CREATE TRIGGER h19_refuse BEFORE UPDATE ON digest_runs"
                   " BEGIN SELECT RAISE(ABORT, 'refused by a test'); END")  # fmt: skip
    before = holdings(db)
    try:
        code, out, err = run(f"workspaces adopt {T}", capsys)
    finally:
        db.execute("DROP TRIGGER h19_refuse" + (" ON digest_runs" if is_postgres(db) else ""))
        if is_postgres(db):
            db.execute("DROP FUNCTION h19_refuse()")
    assert (code, out) == (1, "")
    assert "refused by a test" in err
    assert holdings(db) == before
    assert {t.id for t in repo.for_owner(db, None, open_only=False)} == set(desk_rows[:3])


# --- adopting ------------------------------------------------------------------------


def test_adopt_moves_every_row_and_resumes_the_paused(desk_rows, db, capsys):
    one, two, old, own = desk_rows
    assert run(f"workspaces adopt {T}", capsys) == (
        0,
        f"Moved from (single-token) to {T}: 3 trackers (1 paused for lack of a token"
        " resumed), 1 digest, 1 digest run, 2 dedupe keys.\n",
        "",
    )
    # visible from the workspace, through the bot's own storage calls; gone from ''
    assert [t.id for t in repo.for_owner(db, None, open_only=False, team=T)] == [own, old, two, one]
    assert [t.id for t in repo.for_owner(db, "U2", team=T)] == [two]
    assert repo.for_owner(db, None, open_only=False) == []
    assert repo.get(db, one) is None and repo.get(db, one, team=T).title == "BVoIP down at Dallas"
    # the paused one waits again; the workspace's own, paused after Slack refused its
    # token, stays set aside (the move is not a reinstall)
    assert repo.get(db, two, team=T).problem is None
    assert [(p.tracker_id, p.what.startswith(PAUSED)) for p in repo.problems(db, team=T)] == [
        (own, True)
    ]
    assert [e["kind"] for e in repo.events(db, two, team=T)][-3:] == [
        "paused_nudges", "moved_workspace", "resumed_nudges"
    ]  # fmt: skip
    assert repo.events(db, one, team=T)[-1]["detail"] == {"from": "(single-token)", "to": T}
    assert desk.digest_of(db, "C1", team=T).clock == "08:00" and desk.digest_of(db, "C1") is None
    assert desk.run_state(db, "C1", "2026-11-20", team=T) == "skipped"
    assert desk.runs(db, "C1") == []
    # a delivery seen under '' is a repeat in the workspace now, and '' keeps no key
    assert not first_sighting(db, "Ev1", NOW, team=T)
    assert first_sighting(db, "Ev1", NOW)


def test_adopt_twice_the_second_has_nothing_to_move(desk_rows, db, capsys):
    assert run(f"workspaces adopt {T}", capsys)[0] == 0
    after = holdings(db)
    assert run(f"workspaces adopt {T}", capsys) == (
        0,
        "Nothing to move: (single-token) holds no trackers, digests, digest runs or dedupe keys.\n",
        "",
    )
    assert holdings(db) == after
    lines = [line.split() for line in run("workspaces", capsys)[1].splitlines()]
    assert lines[1:] == [[T, "2026-11-23", "16:00Z", "Acme", "CLEC", "4", "3", "1", "1"]]


def test_dry_run_says_what_would_move_and_changes_nothing(desk_rows, db, capsys):
    before = holdings(db)
    assert run(f"workspaces adopt {T} --dry-run", capsys) == (
        0,
        f"Would move from (single-token) to {T}: 3 trackers (1 paused for lack of a token"
        " would resume), 1 digest, 1 digest run, 2 dedupe keys. Nothing changed (--dry-run).\n",
        "",
    )
    assert holdings(db) == before


def test_a_workspace_not_installed_yet_keeps_them_paused_until_it_is(desk_rows, db, env, capsys):
    two = desk_rows[1]
    code, out, _ = run("workspaces adopt E0KH6G5BM", capsys)
    assert code == 0
    assert out == (
        "Moved from (single-token) to E0KH6G5BM: 3 trackers (1 paused for lack of a token,"
        " until E0KH6G5BM is installed), 1 digest, 1 digest run, 2 dedupe keys. E0KH6G5BM is"
        " not installed here: its trackers are paused when a step comes due, and resume when"
        " it is installed.\n"
    )
    assert repo.get(db, two, team="E0KH6G5BM").problem.startswith(PAUSED)
    assert resume_workspace(db, "E0KH6G5BM", NOW) == 1  # what installing it does
    assert repo.get(db, two, team="E0KH6G5BM").problem is None


@pytest.mark.parametrize(
    ("line", "team"),
    [
        ("workspaces adopt legacy-desk --force", "legacy-desk"),  # not Slack's shape: forced
        ("workspaces adopt T1", "T1"),  # too short for Slack's shape, but installed here
        ("workspaces adopt '' --from T0123ABCD", ""),  # back to one token, forced below
    ],
)
def test_keys_accepted_when_forced_or_installed(desk_rows, db, env, capsys, line, team):
    if team == "T1":
        install(env, "T1", "Test desk")
    if team == "":
        run(f"workspaces adopt {T}", capsys)
        line += " --force"
    code, out, err = run(line, capsys)
    assert (code, err) == (0, "")
    assert out.startswith("Moved from ")
    assert len(repo.for_owner(db, None, open_only=False, team=team)) >= 3


def test_adopt_between_two_workspaces(desk_rows, db, env, capsys):
    install(env, "T9876WXYZ", "Second desk")
    code, out, _ = run(f"workspaces adopt T9876WXYZ --from {T}", capsys)
    assert (code, out) == (
        0,
        f"Moved from {T} to T9876WXYZ: 1 tracker (1 paused for lack of a token resumed),"
        " 0 digests, 0 digest runs, 1 dedupe key.\n",
    )
    assert [t.id for t in repo.for_owner(db, None, team="T9876WXYZ")] == [desk_rows[3]]
    assert len(repo.for_owner(db, None, open_only=False)) == 3  # '' untouched


def test_said_names_singular_and_plural():
    moved = Moved("", T, 1, 0, 2, 1, 0, 0, True)
    assert said(moved) == (
        f"Moved from (single-token) to {T}: 1 tracker, 0 digests, 2 digest runs, 1 dedupe key."
    )
