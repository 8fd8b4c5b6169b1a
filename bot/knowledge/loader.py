"""Load and validate the knowledge data files into `Knowledge`.

Validation happens once at start so a bad edit fails loudly, naming the file
and the entry, instead of surfacing as a wrong answer in Slack.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import logging
import os
import pickle
import re
import sys
import tempfile
from datetime import time
from functools import cache
from pathlib import Path
from typing import Any

import pytz

from bot.knowledge import hours
from bot.knowledge.facts import FACT_KINDS, KIND_ASKS
from bot.knowledge.model import (
    REQTYP_CASES,
    WEEKDAYS,
    Carrier,
    Center,
    Code,
    Contact,
    ErrorCode,
    EscalationType,
    Fact,
    Hours,
    Knowledge,
    Ladder,
    Level,
    Region,
    ReqtypRule,
    Severity,
    Source,
    Topic,
    WhoToCall,
    Window,
)
from storage.limits import FIRST_YEAR, LAST_YEAR

DATA_DIR = Path(__file__).parent / "data"
DOCUMENT_FILES = (
    "att_center_contacts.toml",
    "att_escalation_matrix.toml",
    "att_business_csr.toml",
    "att_bvoip.toml",
    "qwest_cmp.toml",
)
READINGS_FILE = "readings.toml"
LADDER_IDS = ("csr", "bvoip", "qwest_it", "qwest_process")
_HHMM = re.compile(r"^([01]\d|2[0-4]):([0-5]\d)$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
log = logging.getLogger(__name__)


class KnowledgeError(ValueError):
    """A data file is wrong; the message names the file and the entry."""


class _Ctx:
    """Where we are while reading, so every error names file and entry."""

    def __init__(self, file: str, document: dict[str, Any]):
        self.file = file
        self.document = document

    def fail(self, entry: str, message: str) -> KnowledgeError:
        return KnowledgeError(f"{self.file}: {entry}: {message}")

    def source(self, entry: dict, name: str) -> Source:
        section = entry.get("section")
        if not section:
            raise self.fail(name, "missing 'section' (the source heading it comes from)")
        revised = entry.get("revised", self.document.get("revised"))
        if revised is not None and not _DATE.match(str(revised)):
            raise self.fail(name, f"'revised' must be YYYY-MM-DD, got {revised!r}")
        return Source(
            document=self.document["id"],
            title=self.document["title"],
            section=section,
            revised=str(revised) if revised else None,
            assumption=entry.get("assumption"),
        )


def _time(ctx: _Ctx, name: str, text: str) -> time | None:
    """Parse HH:MM; "24:00" is midnight at the end of the day (None)."""
    m = _HHMM.match(str(text))
    if not m or (m.group(1) == "24" and m.group(2) != "00"):
        raise ctx.fail(name, f"bad time {text!r}: use 24-hour HH:MM")
    if m.group(1) == "24":
        return None
    return time(int(m.group(1)), int(m.group(2)))


def _days(ctx: _Ctx, name: str, spec: str) -> list[int]:
    days: list[int] = []
    for part in str(spec).lower().replace(" ", "").split(","):
        ends = part.split("-")
        if any(e not in WEEKDAYS for e in ends) or len(ends) > 2:
            raise ctx.fail(name, f"bad days {spec!r}: use mon..sun, ranges and commas")
        a, b = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        days.extend(range(a, b + 1) if a <= b else [*range(a, 7), *range(0, b + 1)])
    return days


def _hours(ctx: _Ctx, name: str, entry: dict, zone: str, calendar: str, known: set) -> Hours:
    if zone not in pytz.all_timezones_set:
        raise ctx.fail(name, f"unknown zone {zone!r}")
    if calendar not in known:
        raise ctx.fail(name, f"unknown calendar {calendar!r} (not in readings.toml)")
    spec = entry.get("hours", "unknown")
    text = entry.get("hours_text", "")
    if spec in ("24x7", "unknown"):
        return Hours(zone=zone, kind=spec, calendar=calendar, text=text)
    if not isinstance(spec, list) or not spec:
        raise ctx.fail(name, 'hours must be "24x7", "unknown" or a list of windows')
    windows: list[Window] = []
    for w in spec:
        opens, closes = _time(ctx, name, w["open"]), _time(ctx, name, w["close"])
        if opens is None:
            raise ctx.fail(name, "a window cannot open at 24:00")
        for day in _days(ctx, name, w["days"]):
            window = Window(day, opens, closes)
            if window.close_minutes() <= window.open_minutes():
                raise ctx.fail(name, f"window {w} closes before it opens")
            for other in windows:
                if other.weekday == day and (
                    window.open_minutes() < other.close_minutes()
                    and other.open_minutes() < window.close_minutes()
                ):
                    raise ctx.fail(name, f"overlapping hours on {WEEKDAYS[day]}")
            windows.append(window)
    windows.sort(key=lambda w: (w.weekday, w.open_minutes()))
    return Hours(zone=zone, kind="weekly", windows=tuple(windows), calendar=calendar, text=text)


def _contacts(items: list[dict] | None) -> tuple[Contact, ...]:
    fields = ("role", "name", "phone", "prompt", "email", "web", "note")
    return tuple(Contact(**{k: str(c.get(k, "")) for k in fields}) for c in items or ())


def _tuple(entry: dict, key: str) -> tuple[str, ...]:
    return tuple(str(x) for x in entry.get(key, ()))


def _center(ctx: _Ctx, entry: dict, calendars: set) -> Center:
    cid = entry.get("id") or "?"
    name = f"center {cid}"
    for key in ("id", "name", "mission"):
        if not entry.get(key):
            raise ctx.fail(name, f"missing {key!r}")
    zone = entry.get("zone", "")
    calendar = entry.get("calendar", "us-federal")
    hours = _hours(ctx, name, entry, zone, calendar, calendars)
    regions = []
    for r in entry.get("region", ()):
        rname = f"{name} region {r.get('id')}"
        merged = {"hours": entry.get("hours", "unknown"), "hours_text": hours.text, **r}
        rhours = _hours(ctx, rname, merged, r.get("zone", zone), calendar, calendars)
        regions.append(Region(r["id"], r["name"], rhours, _contacts(r.get("contact"))))
    return Center(
        id=cid,
        name=entry["name"],
        aliases=_tuple(entry, "aliases"),
        mission=entry["mission"],
        hours=hours,
        contacts=_contacts(entry.get("contact")),
        source=ctx.source(entry, name),
        overview=entry.get("overview", ""),
        functions=_tuple(entry, "functions"),
        escalation=_tuple(entry, "escalation"),
        callback_goal=entry.get("callback_goal", ""),
        topics=_tuple(entry, "topics"),
        have_ready=_tuple(entry, "have_ready"),
        notes=_tuple(entry, "notes"),
        regions=tuple(regions),
        carrier=entry.get("carrier", "AT&T"),
    )


def _ladder(ctx: _Ctx, entry: dict) -> Ladder:
    name = f"ladder {entry.get('id')}"
    if entry.get("id") not in LADDER_IDS:
        raise ctx.fail(name, f"ladder id must be one of {', '.join(LADDER_IDS)}")
    levels = []
    for lv in entry.get("level", ()):
        intervals = {int(k): float(v) for k, v in lv.get("intervals", {}).items()}
        levels.append(
            Level(
                level=int(lv["level"]),
                title=lv["title"],
                contacts=_contacts(lv.get("contact")),
                responsibilities=_tuple(lv, "responsibilities"),
                intervals=intervals,
            )
        )
    if not levels:
        raise ctx.fail(name, "a ladder needs at least one level")
    if [lv.level for lv in levels] != list(range(1, len(levels) + 1)):
        raise ctx.fail(name, "levels must be numbered 1, 2, 3, ... in order")
    return Ladder(
        id=entry["id"],
        name=entry["name"],
        center=entry["center"],
        levels=tuple(levels),
        have_ready=_tuple(entry, "have_ready"),
        rules=dict(entry.get("rules", {})),
        notes=_tuple(entry, "notes"),
        source=ctx.source(entry, name),
        words=tuple(w.lower() for w in _tuple(entry, "words")),
        symptoms=tuple(w.lower() for w in _tuple(entry, "symptoms")),
        symptoms_unless=tuple(w.lower() for w in _tuple(entry, "symptoms_unless")),
    )


def _carriers(readings: dict) -> tuple[Carrier, ...]:
    """Reading 12's carriers; `covers` must name a carrier the sources' centers have."""
    carriers = []
    for e in readings.get("carrier", ()):
        if not e.get("id") or not e.get("words"):
            raise KnowledgeError(f"{READINGS_FILE}: carrier {e.get('id')!r}: needs id and words")
        if e.get("covers") not in (None, "AT&T", "Qwest"):
            raise KnowledgeError(
                f"{READINGS_FILE}: carrier {e['id']}: covers must be AT&T or Qwest"
            )
        words = tuple(" ".join(w.lower().split()) for w in e["words"])
        ambiguous = tuple(" ".join(w.lower().split()) for w in e.get("ambiguous", ()))
        if stray := [w for w in ambiguous if w not in words]:
            raise KnowledgeError(
                f"{READINGS_FILE}: carrier {e['id']}: ambiguous {stray} not among its words"
            )
        carriers.append(
            Carrier(
                e["id"],
                e.get("name", e["id"]),
                words,
                e.get("covers"),
                e.get("note", ""),
                ambiguous,
            )  # fmt: skip
        )
    return tuple(carriers)


def _reqtyp_routing(readings: dict) -> dict[str, ReqtypRule]:
    """Reading 5's cases, each a center and the reason said; every case is needed."""
    table = readings.get("reqtyp_routing", {})
    rules = {}
    for case in REQTYP_CASES:
        entry = table.get(case)
        if not isinstance(entry, dict) or not entry.get("center") or not entry.get("reason"):
            raise KnowledgeError(f"{READINGS_FILE}: reqtyp_routing.{case}: needs center and reason")
        rules[case] = ReqtypRule(entry["center"], entry["reason"])
    return rules


def _carrier_context(readings: dict) -> frozenset[str]:
    """Words that make an ambiguous carrier word ("sprint") a carrier (reading 12)."""
    words = readings.get("carrier_context", {}).get("words", ())
    return frozenset(" ".join(w.lower().split()) for w in words)


def _fact(ctx: _Ctx, entry: dict) -> Fact:
    """A `[[fact]]`: an answer in the source's words, and words that ask for it."""
    name = f"fact {entry.get('id')}"
    for key in ("id", "kind", "answer", "about"):
        if not entry.get(key):
            raise ctx.fail(name, f"missing {key!r}")
    if entry["kind"] not in FACT_KINDS:
        raise ctx.fail(name, f"kind must be one of {', '.join(sorted(FACT_KINDS))}")
    if not entry.get("asks") and not KIND_ASKS[entry["kind"]]:
        raise ctx.fail(name, f"kind {entry['kind']!r} needs its own 'asks'")
    if entry.get("ladder") is not None and entry["ladder"] not in LADDER_IDS:
        raise ctx.fail(name, f"ladder must be one of {', '.join(LADDER_IDS)}")
    return Fact(
        id=entry["id"],
        kind=entry["kind"],
        answer=" ".join(str(entry["answer"]).split()),
        center=entry.get("center"),
        about=_tuple(entry, "about"),
        topic=_tuple(entry, "topic"),
        asks=_tuple(entry, "asks"),
        source=ctx.source(entry, name),
        ladder=entry.get("ladder"),
        level=int(entry["level"]) if "level" in entry else None,
        severities=tuple(int(s) for s in entry.get("severities", ())),
        unless=_tuple(entry, "unless"),
        status_answer=bool(entry.get("status_answer", False)),
    )


def _check_facts(k: Knowledge) -> None:
    """A fact's center, "@CENTER" names, ladder level and id must all exist and be unique."""
    seen: set[str] = set()
    for f in k.facts:
        if f.id in seen:
            raise KnowledgeError(f"fact {f.id}: duplicate id")
        seen.add(f.id)
        named = [f.center] + [a[1:] for a in f.about if a.startswith("@")]
        for center in named:
            if center is not None and center not in k.centers:
                raise KnowledgeError(f"fact {f.id}: names unknown center {center!r}")
        ladder = k.ladders.get(f.ladder) if f.ladder else None
        if f.level is not None and not (ladder and 1 <= f.level <= len(ladder.levels)):
            raise KnowledgeError(f"fact {f.id}: level {f.level} is not a level of its ladder")


def _read(path: Path) -> dict:
    import tomllib  # here: a start from the knowledge cache parses no TOML

    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise KnowledgeError(f"{path.name}: not valid TOML: {exc}") from exc
    except FileNotFoundError as exc:
        raise KnowledgeError(f"{path.name}: missing data file") from exc


def load_from(data_dir: Path) -> Knowledge:
    """Read every data file in `data_dir`, validate, and build `Knowledge`."""
    readings = _read(data_dir / READINGS_FILE)
    calendars = dict(readings.get("calendar", {}))
    zone_words = {str(k).lower(): v for k, v in readings.get("zone_words", {}).items()}
    for word, zone in zone_words.items():
        if zone not in pytz.all_timezones_set:
            raise KnowledgeError(f"{READINGS_FILE}: zone_words.{word}: unknown zone {zone!r}")
    centers: dict[str, Center] = {}
    error_codes, who, types, codes, severities, topics = [], [], [], [], [], []
    ladders: dict[str, Ladder] = {}
    documents: dict[str, dict] = {}
    facts: list[Fact] = []
    for file in DOCUMENT_FILES:
        raw = _read(data_dir / file)
        doc = raw.get("document") or {}
        if not doc.get("id") or not doc.get("title"):
            raise KnowledgeError(f"{file}: [document] needs 'id' and 'title'")
        documents[doc["id"]] = doc
        ctx = _Ctx(file, doc)
        for entry in raw.get("center", ()):
            center = _center(ctx, entry, set(calendars))
            if center.id in centers:
                raise ctx.fail(f"center {center.id}", "duplicate id")
            centers[center.id] = center
        for e in raw.get("error_code", ()):
            name = f"error_code {e.get('prefix')}"
            error_codes.append(
                ErrorCode(
                    prefix=str(e["prefix"]).upper(),
                    code_type=e["code_type"],
                    request=e.get("request", ""),
                    center=e["center"],
                    southeast_only=bool(e.get("southeast_only", False)),
                    source=ctx.source(e, name),
                )
            )
        for e in raw.get("who_to_call", ()):
            who.append(
                WhoToCall(
                    id=e["id"],
                    request=e["request"],
                    detail=e.get("detail", ""),
                    center=e.get("center"),
                    answer=e.get("answer", ""),
                    topics=_tuple(e, "topics"),
                    source=ctx.source(e, f"who_to_call {e.get('id')}"),
                )
            )
        for e in raw.get("escalation_type", ()):
            types.append(
                EscalationType(
                    id=e["id"],
                    escalation_type=e["escalation_type"],
                    handled_by=e["handled_by"],
                    center=e.get("center"),
                    topics=_tuple(e, "topics"),
                    detail=e.get("detail", ""),
                    source=ctx.source(e, f"escalation_type {e.get('id')}"),
                    reqtyps=tuple(str(r).upper() for r in e.get("reqtyps", ())),
                )
            )
        for e in raw.get("code", ()):
            codes.append(
                Code(
                    kind=e["kind"],
                    code=str(e["code"]),
                    meaning=e["meaning"],
                    center=e.get("center"),
                    source=ctx.source(e, f"code {e.get('kind')} {e.get('code')}"),
                    aliases=_tuple(e, "aliases"),
                )
            )
        for e in raw.get("severity", ()):
            severities.append(
                Severity(
                    ladder=e["ladder"],
                    level=int(e["level"]),
                    name=e["name"],
                    definition=e.get("definition", ""),
                    criteria=_tuple(e, "criteria"),
                    examples=_tuple(e, "examples"),
                    words=_tuple(e, "words"),
                    source=ctx.source(e, f"severity {e.get('ladder')} {e.get('level')}"),
                    not_when=_tuple(e, "not_when"),
                )
            )
        for e in raw.get("ladder", ()):
            ladder = _ladder(ctx, e)
            if ladder.id in ladders:
                raise ctx.fail(f"ladder {ladder.id}", "duplicate id")
            ladders[ladder.id] = ladder
        for e in raw.get("topic", ()):
            topics.append(
                Topic(
                    id=e["id"],
                    title=e["title"],
                    facts=_tuple(e, "facts"),
                    center=e.get("center"),
                    topics=_tuple(e, "topics"),
                    source=ctx.source(e, f"topic {e.get('id')}"),
                    have_ready=_tuple(e, "have_ready"),
                )
            )
        facts += [_fact(ctx, e) for e in raw.get("fact", ())]
    knowledge = Knowledge(
        centers=centers,
        error_codes=tuple(error_codes),
        who_to_call=tuple(who),
        escalation_types=tuple(types),
        codes=tuple(codes),
        severities=tuple(severities),
        ladders=ladders,
        topics=tuple(topics),
        zone_words=zone_words,
        calendars=calendars,
        documents=documents,
        carriers=_carriers(readings),
        carrier_context=_carrier_context(readings),
        reqtyp_routing=_reqtyp_routing(readings),
        facts=tuple(facts),
    )
    _check_references(knowledge)
    _check_facts(knowledge)
    return knowledge


def _check_references(k: Knowledge) -> None:
    """Every center named by a row, code or ladder must exist; ids must be unique."""
    refs = [(f"error_code {e.prefix}", e.center) for e in k.error_codes]
    refs += [(f"who_to_call {w.id}", w.center) for w in k.who_to_call]
    refs += [(f"escalation_type {t.id}", t.center) for t in k.escalation_types]
    refs += [(f"code {c.code}", c.center) for c in k.codes]
    refs += [(f"ladder {lad.id}", lad.center) for lad in k.ladders.values()]
    refs += [(f"topic {t.id}", t.center) for t in k.topics]
    refs += [(f"reqtyp_routing.{case}", r.center) for case, r in k.reqtyp_routing.items()]
    for name, center in refs:
        if center is not None and center not in k.centers:
            raise KnowledgeError(f"{name}: names unknown center {center!r}")
    for kind, ids in (
        ("error_code", [e.prefix for e in k.error_codes]),
        ("code", [(c.kind, c.code) for c in k.codes]),
        ("topic", [t.id for t in k.topics]),
        ("who_to_call", [w.id for w in k.who_to_call]),
        ("escalation_type", [t.id for t in k.escalation_types]),
    ):
        seen = set()
        for i in ids:
            if i in seen:
                raise KnowledgeError(f"{kind} {i}: duplicate id")
            seen.add(i)


# --- the knowledge cache: the validated Knowledge kept between runs ---------------------

CACHE_ENV = "CLEC_BOT_CACHE_DIR"  # a folder, or "off"; default: the XDG cache folder
CACHE_KEPT = 4  # cache files kept (one per data and code version seen)
SHAPE_FILES = ("loader.py", "model.py", "facts.py", "hours.py")  # code a cached Knowledge
# depends on: its classes, its validation, the holiday tables


def cache_dir() -> Path | None:
    """Where the validated knowledge is kept between runs: $CLEC_BOT_CACHE_DIR, else
    $XDG_CACHE_HOME/clecbot, else ~/.cache/clecbot; None ("off", or no home) keeps none."""
    chosen = os.environ.get(CACHE_ENV, "").strip()
    if chosen.lower() == "off":
        return None
    if chosen:
        return Path(chosen)
    base = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base:
        return Path(base) / "clecbot"
    try:
        return Path.home() / ".cache" / "clecbot"
    except RuntimeError:  # no home directory to be found
        return None


def cache_key(data_dir: Path) -> str:
    """What a cached Knowledge was built from: the data files' bytes, the code that
    shapes and validates it, Python's version and the holidays release (its tables)."""
    digest = hashlib.sha256(f"{sys.version_info[:2]} {pickle.HIGHEST_PROTOCOL}".encode())
    for name in (READINGS_FILE, *DOCUMENT_FILES):
        digest.update(name.encode() + b"\0" + (data_dir / name).read_bytes() + b"\0")
    here = Path(__file__).parent
    for name in SHAPE_FILES:
        digest.update((here / name).read_bytes())
    digest.update(_holidays_release().encode())
    return digest.hexdigest()


def _holidays_release() -> str:
    """The installed holidays release, read from its install record without importing it
    (its own import costs ~30 ms: the reason the tables are cached)."""
    spec = importlib.util.find_spec("holidays")
    if spec is None or not spec.origin:
        return "none"
    package = Path(spec.origin).parent
    records = sorted(p.name for p in package.parent.glob("holidays-*.dist-info"))
    return " ".join(records) or str(package.stat().st_mtime_ns)


def load_cached(data_dir: Path, folder: Path | None) -> Knowledge:
    """`load_from(data_dir)`, kept in `folder` between runs with the holiday tables of
    the years storage keeps. A cache that is missing, stale or unreadable is rebuilt;
    one that cannot be written is done without. Only the bundled data is cached:
    `make check-knowledge` always validates from the TOML."""
    try:
        key = cache_key(data_dir)
    except OSError:  # a data file missing: load_from names it
        return load_from(data_dir)
    path = folder / f"knowledge-{key[:24]}.pickle" if folder else None
    kept = _read_cache(path, key) if path else None
    if kept is not None:
        knowledge, tables = kept
        hours.remember_holidays(tables)
        return knowledge
    knowledge = load_from(data_dir)
    if path is not None:
        countries = {c["country"] for c in knowledge.calendars.values() if c.get("country")}
        tables = hours.holiday_tables(countries, range(FIRST_YEAR, LAST_YEAR + 1))
        _write_cache(path, (key, knowledge, tables))
    return knowledge


def _read_cache(path: Path, key: str) -> tuple[Knowledge, hours.HolidayTables] | None:
    try:
        with path.open("rb") as fh:
            if not _ours(os.fstat(fh.fileno())):
                log.warning("knowledge cache %s ignored: another user could have written it", path)
                return None
            stored_key, knowledge, tables = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception as exc:  # corrupt, truncated, or from other code: rebuilt
        log.info("knowledge cache %s ignored (%s); rebuilding it", path, exc)
        return None
    if stored_key != key or not isinstance(knowledge, Knowledge) or not isinstance(tables, dict):
        return None
    return knowledge, tables


def _ours(stat: os.stat_result) -> bool:
    """Unpickling runs code: read only a file this user owns and no one else may write."""
    uid = getattr(os, "getuid", lambda: stat.st_uid)()
    return stat.st_uid == uid and not stat.st_mode & 0o022


def _write_cache(path: Path, content: tuple) -> None:
    """Write atomically (a temporary file renamed into place); never fail the load."""
    temporary = None
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(prefix=".knowledge-", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(content, fh, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        temporary = None
        stale = sorted(path.parent.glob("knowledge-*.pickle"), key=_mtime, reverse=True)
        for old in stale[CACHE_KEPT:]:
            old.unlink(missing_ok=True)
    except OSError as exc:
        log.info("knowledge cache not written to %s (%s)", path.parent, exc)
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


@cache
def load() -> Knowledge:
    """The bundled knowledge, loaded once per process (from the cache when it is current)."""
    return load_cached(DATA_DIR, cache_dir())
