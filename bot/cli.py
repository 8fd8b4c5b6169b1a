"""Command line: `clecbot ask`, `ask --jsonl`, `console`, `check-knowledge`, `run`.

A thin adapter: it reads the clock and the environment, then hands text, zone
and instant to the conversation, and renders the Reply as text or JSON.

The edge is checked here, once: every line and argument is typed, sized,
ranged and made valid UTF-8 before anything else sees it. In `--jsonl` a bad
line gets one `{"error": ...}` line and the loop goes on (exit 0 at the end of
input); a single command prints one line to stderr and exits non-zero. No
input ends in a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO, TextIO

import pytz

from storage.limits import FIRST_YEAR, LAST_YEAR

DEFAULT_TZ = "America/Chicago"
MAX_TEXT = 4000  # characters in one question or tracker line
MAX_FIELD = 200  # characters in a zone, instant or user id
MAX_LINE = 64 * 1024  # bytes in one --jsonl line
LEADING_YEAR = re.compile(r"\s*(\d{1,6})-\d")  # the year an ISO stamp starts with
OUT_OF_RANGE = (
    f"'at' must fall in the years {FIRST_YEAR}-{LAST_YEAR}, like 2026-11-23T10:00:00-06:00"
)
SURROGATE = re.compile("[\ud800-\udfff]")  # never valid alone in UTF-8
log = logging.getLogger(__name__)


def storage_faults() -> tuple[type[Exception], ...]:
    """StorageError once storage is loaded (only then can one be raised), else nothing:
    so `ask`, which opens no database, never imports storage or SQLite's helpers."""
    db = sys.modules.get("storage.db")
    return (db.StorageError,) if db else ()


def default_zone() -> str:
    return os.environ.get("CLEC_BOT_TZ") or DEFAULT_TZ


class InputError(ValueError):
    """Bad input from the user: the message is shown as it is."""


def clean(text: str) -> str:
    """Text made valid UTF-8: lone surrogates and undecodable bytes become U+FFFD, NULs go."""
    return SURROGATE.sub("\ufffd", text).replace("\x00", "")


def checked_text(text: object, what: str = "text", limit: int = MAX_TEXT) -> str:
    """A string field from outside, typed, sized and cleaned."""
    if not isinstance(text, str):
        raise InputError(f"{what!r} must be a string, not {type(text).__name__}")
    if len(text) > limit:
        raise InputError(f"{what!r} is too long ({len(text)} characters; at most {limit})")
    return clean(text)


def _optional(value: object, what: str) -> str | None:
    return None if value is None else checked_text(value, what, MAX_FIELD)


def parse_zone(name: str | None) -> str:
    name = (_optional(name, "tz") or default_zone()).strip()
    if name not in pytz.all_timezones_set:
        raise InputError(f"unknown time zone {name!r}: use an IANA name like America/Chicago")
    return name


def parse_at(text: str | None, zone: str) -> datetime:
    """An ISO 8601 instant; one without an offset is read in `zone`. None is now."""
    if not text:
        return datetime.now(pytz.utc).astimezone(pytz.timezone(zone))
    from bot.moments import parse_instant  # the one ISO reader, shared with Slack

    try:
        return parse_instant(text, zone)
    except ValueError as exc:
        raise InputError(f"'at' must be ISO 8601 like 2026-11-23T10:00:00-06:00: {text!r}") from exc


def moment_at(text: object, zone: str) -> datetime:
    """`at` from outside: a string read by parse_at, within the years 1970-2100."""
    text = _optional(text, "at")
    if text and (m := LEADING_YEAR.match(text)) and not FIRST_YEAR <= int(m[1]) <= LAST_YEAR:
        raise InputError(OUT_OF_RANGE)
    try:
        at = parse_at(text, zone)
        year = at.astimezone(pytz.utc).year
    except OverflowError:
        year = 0  # beyond what a datetime holds in UTC: out of range below
    except ValueError as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"'at' must be ISO 8601 like 2026-11-23T10:00:00-06:00: {text!r}") from exc
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise InputError(OUT_OF_RANGE)
    return at


def track_one(text: str, at: str | None, tz: str | None, user: str | None = None, db=None) -> dict:
    """One line of the tracker conversation to its JSON reply (the `track` contract)."""
    from bot.conversation import respond
    from bot.reply import to_json
    from storage.db import connect

    text = checked_text(text)
    zone = parse_zone(tz)
    moment = moment_at(at, zone)
    user = _optional(user, "user") or default_user()
    db = db if db is not None else connect()
    # `clecbot track` always means the trackers
    reply = respond(text, at=moment, tz=zone, user=user, db=db, tracker=True)
    out = to_json(reply)
    out.setdefault("id", None)
    out.setdefault("kind", None)
    out.setdefault("severity", None)
    out.setdefault("steps", [])
    return out


def default_user() -> str:
    return os.environ.get("USER") or "console"


def ask_one(text: str, at: str | None, tz: str | None, user: str | None = None) -> dict:
    """One question to its JSON reply (the --jsonl contract)."""
    from bot.conversation import answer
    from bot.reply import to_json

    text = checked_text(text)
    zone = parse_zone(tz)
    moment = moment_at(at, zone)
    return to_json(answer(text, at=moment, tz=zone, user=_optional(user, "user")))


class LineTooLong(InputError):
    """A --jsonl line over MAX_LINE bytes (read no further than the limit)."""


def jsonl_lines(stdin: TextIO | BinaryIO) -> Iterator[str | LineTooLong]:
    """The lines of `stdin` as valid text, read as bytes so no encoding error or
    endless line can stop the loop; a line too long is skipped to its end."""
    source = getattr(stdin, "buffer", stdin)
    while line := source.readline(MAX_LINE + 1):
        if isinstance(line, str):
            line = line.encode("utf-8", "surrogatepass")
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            _skip_rest(source)
            yield LineTooLong(f"line longer than {MAX_LINE} bytes: send one question per line")
            continue
        yield clean(line.decode("utf-8", "replace"))


def _skip_rest(source: TextIO | BinaryIO) -> None:
    while rest := source.readline(MAX_LINE):
        if rest.endswith(b"\n" if isinstance(rest, bytes) else "\n"):
            return


def jsonl_reply(line: str, one) -> dict:
    """One --jsonl line to its reply; every failure is an {"error": ...} (never raised)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return {"error": f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"}
    except RecursionError:
        return {"error": "JSON nested too deeply: send one flat object per line"}
    if not isinstance(obj, dict) or "text" not in obj:
        return {"error": 'each line must be a JSON object with a "text" string'}
    try:
        return one(obj["text"], obj.get("at"), obj.get("tz"), obj.get("user"))
    except (InputError, ValueError, *storage_faults()) as exc:
        return {"error": str(exc)}
    except Exception as exc:
        log.error("--jsonl line failed: %s: %s", type(exc).__name__, exc)
        return {"error": f"could not handle this line ({type(exc).__name__}); it is logged"}


def run_jsonl(stdin: TextIO | BinaryIO, stdout: TextIO, track: bool = False) -> int:
    """One JSON object in per line, one out, in order; a bad line gets {"error": ...}."""
    db = None
    if track:
        from storage.db import connect

        db = connect()

    def one(text, at, tz, user):
        return track_one(text, at, tz, user, db=db) if track else ask_one(text, at, tz, user)

    for line in jsonl_lines(stdin):
        if isinstance(line, LineTooLong):
            out = {"error": str(line)}
        elif not line.strip():
            continue
        else:
            out = jsonl_reply(line, one)
        stdout.write(json.dumps(out) + "\n")
        stdout.flush()
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout)
    if not args.question:
        raise InputError('ask needs a question: clecbot ask "is the NPSC open now?"')
    out = ask_one(clean(" ".join(args.question)), args.at, args.tz)
    print(json.dumps(out, indent=2) if args.json else out["text"])
    return 0


def cmd_track(args: argparse.Namespace) -> int:
    if args.jsonl:
        return run_jsonl(sys.stdin, sys.stdout, track=True)
    if not args.text:
        raise InputError('track needs words: clecbot track "bvoip sev 1 site down since 8am CT"')
    out = track_one(clean(" ".join(args.text)), args.at, args.tz, args.user)
    print(json.dumps(out, indent=2) if args.json else out["text"])
    return 0


def cmd_trackers(args: argparse.Namespace) -> int:
    from bot.tracking import next_due, tracker_json
    from storage import trackers as repo
    from storage.db import connect

    zone = parse_zone(args.tz)
    db = connect()
    if args.retry is not None:
        count = repo.retry_problems(db, args.retry, team=args.team)
        if not count:
            print(f"#{args.retry}: nothing of it is set aside, so nothing to retry "
                  "(see 'clecbot trackers --problems').")  # fmt: skip
            return 1
        print(f"#{args.retry}: {count} set-aside row(s) will be tried again on the next tick.")
        return 0
    if args.problems:
        return print_problems(repo.problems(db, args.user, team=args.team), args.json)
    found = repo.for_owner(db, args.user, open_only=not args.all, team=args.team)
    if args.json:
        print(json.dumps([{"title": t.title, **tracker_json(t, zone)} for t in found], indent=2))
        return 0
    if not found:
        print("No open trackers.")
    now = datetime.now(pytz.utc)
    for t in found:
        print(f"#{t.id:<5} {t.state:<8} {t.owner:<12} {next_due(t, zone, now):<40} {t.title}")
    return 0


def print_problems(found: list, as_json: bool) -> int:
    """`trackers --problems`: the trackers and steps set aside, and why."""
    if as_json:
        print(json.dumps([vars(p) for p in found], indent=2))
        return 0
    if not found:
        print("No problems: every tracker and step can be read and sent.")
    for p in found:
        part = f"step {p.step_id} (level {p.level})" if p.step_id else "tracker"
        print(f"#{p.tracker_id:<5} {part:<22} {p.owner:<12} {p.what}")
    return 0


def writable_database() -> str:
    """Open, migrate and test-write the database (DATABASE_URL or CLEC_BOT_DB), or raise
    the StorageError that says why; where it lives, as messages show it."""
    from storage.db import check_writable, connect, shown

    db = connect()
    try:
        check_writable(db)
        return shown(db)
    finally:
        db.conn.close()


def cmd_run_scheduler(args: argparse.Namespace) -> int:
    from bot.knowledge.loader import load
    from bot.scheduler import ConsoleNotifier, Scheduler, checked_lease, lease_setting, run_forever

    lease = lease_setting() if args.lease is None else checked_lease(args.lease, "--lease")
    where = writable_database()
    scheduler = Scheduler(load(), ConsoleNotifier(), tick=args.tick, lease=lease)
    print(f"scheduler running on {where} (lease {lease.total_seconds():g} s);"
          " Ctrl-C stops it")  # fmt: skip
    return run_forever(scheduler)


def cmd_check_knowledge(args: argparse.Namespace) -> int:
    from pathlib import Path

    from bot.knowledge.loader import DATA_DIR, KnowledgeError, load_from

    try:
        k = load_from(Path(args.data) if args.data else DATA_DIR)
    except KnowledgeError as exc:
        print(f"knowledge data error: {exc}", file=sys.stderr)
        return 1
    print(
        f"ok: {len(k.centers)} centers, {len(k.error_codes)} error-code prefixes, "
        f"{len(k.codes)} codes, {len(k.severities)} severities, {len(k.ladders)} ladders, "
        f"{len(k.topics)} topics, from {len(k.documents)} documents"
    )
    return 0


def cmd_console(args: argparse.Namespace) -> int:
    from bot.console import run_console

    if hasattr(sys.stdin, "reconfigure"):
        sys.stdin.reconfigure(errors="replace")  # a line that is not UTF-8 is still a line
    return run_console(parse_zone(args.tz), sys.stdin, sys.stdout)


def cmd_serve(args: argparse.Namespace) -> int:
    """Serve Slack: Socket Mode when SLACK_APP_TOKEN is set, else HTTP on PORT."""
    from bot.handlers.app import serve
    from bot.handlers.settings import SettingError, from_env

    try:
        settings = from_env()
    except SettingError as exc:
        print(f"clecbot: cannot start: {exc}", file=sys.stderr)
        return 2
    try:
        writable_database()  # refuse to start on a database that cannot take a write
    except storage_faults() as exc:
        print(f"clecbot: cannot start: {exc}", file=sys.stderr)
        return 1
    return serve(settings)


def cmd_run(args: argparse.Namespace) -> int:
    """`make run`: Slack when SLACK_BOT_TOKEN (or SLACK_CLIENT_ID, many workspaces) is
    set, else the local console."""
    if os.environ.get("SLACK_BOT_TOKEN") or os.environ.get("SLACK_CLIENT_ID"):
        return cmd_serve(args)
    return cmd_console(args)


def cmd_export(args: argparse.Namespace) -> int:
    from bot.export import run_cli  # the desk's record for disputes (issue 10)

    return run_cli(args.id, args.since, args.format, parse_zone(args.tz), team=args.team)


def cmd_workspaces(args: argparse.Namespace) -> int:
    """`clecbot workspaces` lists them; `workspaces adopt T…` moves one's rows to another."""
    from storage import workspaces
    from storage.db import check_writable, connect

    client_id = os.environ.get("SLACK_CLIENT_ID") or None
    db = connect()
    try:
        if args.action != "adopt":
            return print_workspaces(workspaces.listing(db, client_id), args.json)
        source, target = workspaces.key_from(args.source), workspaces.key_from(args.target)
        if not args.dry_run:
            check_writable(db)  # refuse now, with the one line that says why
        moved = workspaces.adopt(db, target, datetime.now(pytz.utc), source=source,
                                 force=args.force, dry_run=args.dry_run,
                                 client_id=client_id)  # fmt: skip
    except workspaces.Refused as exc:
        print(f"clecbot: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, workspaces.Collision) else 2
    finally:
        db.conn.close()
    print(workspaces.said(moved, args.dry_run))
    return 0


def print_workspaces(found: list, as_json: bool) -> int:
    """`clecbot workspaces`: each key, its installation, and what it holds."""
    from storage.workspaces import label

    if as_json:
        print(json.dumps([w.as_json() for w in found], indent=2))
        return 0
    if not found:
        print("No workspaces: the database holds no trackers, digests or installations.")
        return 0
    print(f"{'WORKSPACE':<16} {'INSTALLED':<18} {'NAME':<20} "
          f"{'TRACKERS':>8} {'OPEN':>6} {'PAUSED':>6} {'DIGESTS':>7}")  # fmt: skip
    for w in found:
        at = f"{w.installed_at:%Y-%m-%d %H:%M}Z" if w.installed_at else "no"
        print(f"{label(w.team):<16} {at:<18} {(w.name or '')[:20]:<20} "
              f"{w.trackers:>8} {w.open:>6} {w.paused:>6} {w.digests:>7}")  # fmt: skip
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="clecbot", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    ask = sub.add_parser("ask", help="answer one question (or JSON lines with --jsonl)")
    ask.add_argument("question", nargs="*", help="the question, in plain words")
    ask.add_argument("--at", help="the instant it is asked at (ISO 8601; default now)")
    ask.add_argument("--tz", help=f"the asker's zone (default CLEC_BOT_TZ or {DEFAULT_TZ})")
    ask.add_argument("--json", action="store_true", help="print the reply as JSON")
    ask.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin")
    ask.set_defaults(func=cmd_ask)
    check = sub.add_parser("check-knowledge", help="load and validate the knowledge data")
    check.add_argument("--data", help="a data folder to check instead of the bundled one")
    check.set_defaults(func=cmd_check_knowledge)
    track = sub.add_parser("track", help="start or change an escalation tracker")
    track.add_argument("text", nargs="*", help='e.g. "track csr BTN 312-555-0100 submitted 9am ET"')
    track.add_argument("--at", help="the instant it is said at (ISO 8601; default now)")
    track.add_argument("--tz", help=f"the owner's zone (default CLEC_BOT_TZ or {DEFAULT_TZ})")
    track.add_argument("--user", help="the owner's id (default $USER)")
    track.add_argument("--json", action="store_true", help="print the tracker as JSON")
    track.add_argument("--jsonl", action="store_true", help="read JSON lines on stdin")
    track.set_defaults(func=cmd_track)
    listing = sub.add_parser("trackers", help="list trackers (in DATABASE_URL, else CLEC_BOT_DB)")
    listing.add_argument("--json", action="store_true", help="print them as JSON")
    listing.add_argument("--user", help="only this owner's")
    listing.add_argument("--all", action="store_true", help="resolved ones too")
    listing.add_argument("--tz", help="zone to show times in")
    listing.add_argument("--team", default="", help="the Slack workspace (team id); default ''")
    listing.add_argument(
        "--problems", action="store_true", help="trackers and steps set aside as unreadable"
    )
    listing.add_argument(
        "--retry", type=int, metavar="ID", help="after repairing tracker ID's rows, try them again"
    )
    listing.set_defaults(func=cmd_trackers)
    exp = sub.add_parser("export", help="a tracker's timeline (or recent ones) as CSV/JSON")
    exp.add_argument("id", nargs="?", type=int, help="the tracker (default: the last 30 days)")
    exp.add_argument("--since", help="trackers made since this date, e.g. 2026-11-01")
    exp.add_argument("--format", choices=("csv", "json"), default="csv")
    exp.add_argument("--tz", help="zone for the local times (default CLEC_BOT_TZ)")
    exp.add_argument("--team", default="", help="the Slack workspace (team id); default ''")
    exp.set_defaults(func=cmd_export)
    spaces = sub.add_parser("workspaces", help="the Slack workspaces the database holds rows of")
    spaces.add_argument("--json", action="store_true", help="print them as JSON")
    spaces.set_defaults(func=cmd_workspaces, action=None)
    adopt = spaces.add_subparsers(dest="action").add_parser(
        "adopt", help="move every row of one workspace (default: single-token '') to another"
    )
    adopt.add_argument("target", metavar="TEAM", help="the workspace key to move them to (T…/E…)")
    adopt.add_argument("--from", dest="source", default="", metavar="KEY",
                       help="the key they are under (default '': single-token)")  # fmt: skip
    adopt.add_argument("--dry-run", action="store_true", help="say what would move; change nothing")
    adopt.add_argument("--force", action="store_true", help="accept a key not shaped like T…/E…")
    sched = sub.add_parser("run-scheduler", help="run the nudge scheduler alone (console notifier)")
    sched.add_argument("--tick", type=float, help="seconds between ticks (default CLEC_BOT_TICK)")
    sched.add_argument("--lease", help="seconds a claim holds (default CLEC_BOT_LEASE or 120)")
    sched.set_defaults(func=cmd_run_scheduler)
    serve = sub.add_parser("serve", help="serve Slack (Socket Mode or HTTP on PORT)")
    serve.set_defaults(func=cmd_serve)
    for name, func, text in (
        ("console", cmd_console, "talk to the bot in this terminal"),
        ("run", cmd_run, "run the bot: Slack when configured, else the console"),
    ):
        p = sub.add_parser(name, help=text)
        p.add_argument("--tz", help="your zone (default CLEC_BOT_TZ or America/Chicago)")
        p.set_defaults(func=func)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command: bad input exits 2, a storage fault 1, anything else 70,
    each with one line on stderr."""
    # pytz's own switch: trust its zone list instead of opening ~600 zone files (~9 ms of a
    # cold start) on the first zone looked up; its wheel ships every zone it lists.
    os.environ.setdefault("PYTZ_SKIPEXISTSCHECK", "1")
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (InputError, ValueError) as exc:
        print(f"clecbot: {exc}", file=sys.stderr)
        return 2
    except storage_faults() as exc:
        print(f"clecbot: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `clecbot ask ... | head -1`: the reader has what it wanted
        _quiet_stdout()
        return 0
    except Exception as exc:
        log.debug("command failed", exc_info=exc)
        print(f"clecbot: internal error ({type(exc).__name__}: {exc}); please report it",
              file=sys.stderr)  # fmt: skip
        return 70


def _quiet_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush of a closed pipe is silent."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
