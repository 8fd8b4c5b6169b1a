"""Acceptance tests: questions desk staff type, and what a right answer holds.

Every expected fact in these tables comes from the five source documents in
shared/seeds/ (named in the comment above each group) read with the product's
readings in shared/DOMAIN.md: zones (reading 1), half-open hours and "12:00 am"
as midnight (2), US federal holidays, observed (3), time words in questions (4),
routing (5), and the CSR, BVoIP and Qwest timers (6-9). The worked examples of
shared/EXAMPLES.md are all here; the other phrasings are new on purpose: lower
case, typos, slang, caps, several facts in one line.

The `ask` fixture (tests/conftest.py) answers one question:
    ask(text, at="2026-11-23T10:00:00-06:00", tz="America/Chicago") -> dict
with "intent", "center", "region", "when", "open" and "text".

Calendar used below: 2026-11-23 is a Monday; 2026-11-26 is Thanksgiving;
2026-11-27 (Friday) is not a federal holiday; 2026-12-25 and 2027-01-01 are
Fridays; daylight saving ends 2026-11-01 and starts 2027-03-14 (both Sundays).

Table conventions: ANY = not asserted. Moments ("at", "when") are wall-clock
times "YYYY-MM-DD HH:MM" in the row's zone, the asker's `tz` (a full ISO 8601
string with offset is taken as is). The expected "when" is NOW (the asker's
now), a moment (compared as an instant; the reply's offset must be the asker's
zone's at that instant), or a bare date "YYYY-MM-DD" (only when[:10] is
compared). A bare date is used when the question names a whole day ("on
Sunday", "on Thanksgiving", "today"): `open` is then whether the center opens
at all that day; and for "tonight" and "tomorrow morning", whose exact hour the
product may choose: those cases are picked so that every evening (6 pm to
midnight) or morning (6 am to noon) hour gives the same `open`. Each entry of
`has` is a substring the reply must contain (case-insensitive), or a tuple of
alternatives of which one must be there.
"""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

ANY = object()  # "not asserted"

CT = "America/Chicago"
ET = "America/New_York"
MT = "America/Denver"
PT = "America/Los_Angeles"
AZ = "America/Phoenix"

# Moments in the tables are local wall-clock times in the row's zone (the asker's), "YYYY-MM-DD
# HH:MM"; a full ISO 8601 string with offset is used as is (for the repeated hour of a DST change).
MON10 = "2026-11-23 10:00"  # the fixture's default "now": Monday 10:00 AM CT
TUE12 = "2026-12-01 12:00"  # Tuesday noon CT (BVoIP examples)
NOW = "now"  # expected "when" = the asker's now (the row's `at`)

HOURLY = ("1 hour", "hourly", "every hour", "one hour")
NO_UPDATES = ("none", "no update", "only status change", "no scheduled", "no regular")
TWENTY_FOUR_SEVEN = ("24x7", "24/7", "24 x 7", "24 hours")


# --------------------------------------------------------------------------------------------
# The checks
# --------------------------------------------------------------------------------------------


def _check(
    reply,
    *,
    intent,
    center=ANY,
    region=ANY,
    is_open=ANY,
    when=ANY,
    has=(),
    tz=CT,
):
    for key in ("intent", "center", "region", "when", "open", "text"):
        assert key in reply, f"reply lacks {key!r}: {reply!r}"
    text = reply["text"] or ""
    ctx = f"\nreply: {reply!r}"

    intents = (intent,) if isinstance(intent, str) else intent
    assert reply["intent"] in intents, f"intent {reply['intent']!r}, expected {intents}{ctx}"
    if center is not ANY:
        assert reply["center"] == center, f"center {reply['center']!r}, expected {center!r}{ctx}"
    if region is not ANY:
        assert reply["region"] == region, f"region {reply['region']!r}, expected {region!r}{ctx}"
    if is_open is not ANY:
        assert reply["open"] is is_open, f"open {reply['open']!r}, expected {is_open!r}{ctx}"

    if reply["when"] is not None:
        got = datetime.fromisoformat(reply["when"])
        assert got.utcoffset() is not None, f"'when' has no offset{ctx}"
        in_zone = got.astimezone(ZoneInfo(tz))
        assert got.utcoffset() == in_zone.utcoffset(), (
            f"'when' is not in the asker's zone {tz}{ctx}"
        )
    if when is not ANY:
        if when is None:
            assert reply["when"] is None, f"'when' should be None{ctx}"
        elif len(when) == 10:
            assert reply["when"] is not None, f"'when' is None, expected the day {when}{ctx}"
            assert reply["when"][:10] == when, f"'when' {reply['when']!r}, expected day {when}{ctx}"
        else:
            assert reply["when"] is not None, f"'when' is None, expected {when}{ctx}"
            got = datetime.fromisoformat(reply["when"])
            want = datetime.fromisoformat(when)
            assert got == want, f"'when' {reply['when']!r}, expected {when!r}{ctx}"
            assert got.utcoffset() == want.utcoffset(), f"'when' offset, expected {when!r}{ctx}"

    low = text.lower()
    for needle in has:
        alternatives = (needle,) if isinstance(needle, str) else needle
        assert any(a.lower() in low for a in alternatives), (
            f"reply text lacks {' / '.join(alternatives)!r}{ctx}"
        )


def _iso(moment, tz):
    """A table moment ("YYYY-MM-DD HH:MM" in zone tz, or full ISO 8601) as ISO 8601 with offset."""
    if "T" in moment:
        return moment
    return datetime.fromisoformat(moment).replace(tzinfo=ZoneInfo(tz)).isoformat()


def _expected_when(when, at, tz):
    if when == NOW:
        return _iso(at, tz)
    if when is ANY or when is None or len(when) == 10:
        return when
    return _iso(when, tz)


def _ids(rows, at_index=None):
    """Readable test ids: the question, plus the asker's moment and zone when not the default."""
    ids = []
    for row in rows:
        label = row[0] if len(row[0]) <= 70 else row[0][:67] + "..."
        if at_index is not None and (row[at_index], row[at_index + 1]) != (MON10, CT):
            label += f" @{row[at_index][:16]} {row[at_index + 1].split('/')[-1]}"
        ids.append(label)
    return ids


# --------------------------------------------------------------------------------------------
# who_handles, asked at the default moment (Mon 2026-11-23 10:00 CT), no time named
# columns: question, center, region, substrings in the reply
# --------------------------------------------------------------------------------------------

WHO_HANDLES = [
    # att-clec-center-contacts.txt, "Who to Call Job Aid": error-code prefix -> first point of
    # contact; longest prefix first (DOMAIN reading 5); empty cells under MCPSC mean MCPSC.
    ("who do I call about error code SF0101?", "MCPSC", None, ["877-681-2271", "Super Fatal"]),
    ("got a SD1051 back on my lsr, who do i call", "MCPSC", None, ["Service Order Edit"]),
    ("whos the first point of contact for IF3002 errors", "MCPSC", None, ["Interface Edit"]),
    ("LS0041 error on a pon, who handles that", "MCPSC", None, ["LASR Edit"]),
    ("who handles PA2201 errors pls", "MCPSC", None, ["Listing Error"]),
    ("MR0042 on my order who do i call", "LSC", None, ["Manual Reject"]),
    ("hey can you tell me who to call about a manual reject (MR) on our LSR?", "LSC", None, []),
    ("who do i call for error M500 on a southeast order", "MCPSC", None, ["Interface or LASR"]),
    ("wich center do i call for error code S2105", "MCPSC", None, ["Super Fatal"]),
    ("I0123 fatal error, who handles", "MCPSC", None, []),
    ("who takes L0007 errors", "MCPSC", None, []),
    ("P1000 error who do i contact", "MCPSC", None, []),
    ("B123 error on a southeast lsr who do i call", "MCPSC", None, []),
    ("who do i call about error E0214", "MCPSC", None, []),
    ("H100 error, whom do i call?", "MCPSC", None, []),
    ("who handles error code D0500", "MCPSC", None, []),
    ("R205 on our LSR who handles it", "MCPSC", None, []),
    ("who handles error T0001", "MCPSC", None, []),
    ("who do i escalate U999 errors to", "MCPSC", None, []),
    ("G0200 interface error who do i call", "MCPSC", None, ["Interface or LASR"]),
    ("got sf0101 again ugh who do i call", "MCPSC", None, ["Super Fatal"]),
    (
        "our emailed LSR came back with a server error in the subject line, who do i call",
        "LSC",
        None,
        [],
    ),
    ("mechanized connectivity issue, who's first point of contact", "ISCC", None, ["option 3"]),
    # LSC / NPSC "Overview" and LNPC "Mission"; DOMAIN reading 5 (REQTYP C routing)
    ("REQTYP C in an RPON with a REQTYP A, who do I call?", "LSC", None, []),
    ("who handles REQTYP C standalone ports", "NPSC", None, ["877-910-0468"]),
    ("reqtyp c port not in an rpon w/ any other reqtyp, who do i call", "NPSC", None, []),
    ("whos handling a reqtyp C tied by RPON to a reqtyp B order", "LSC", None, []),
    ("port only LSR (reqtyp c, no rpon) needs an expedite, who?", "NPSC", None, []),
    ("jeopardy on a stand-alone LNP LSR, who do i call", "NPSC", None, []),
    ("complex LNP cut for a customer porting to AT&T, who coordinates it", "LNPC", None, []),
    ("voip coordinated cut porting to att who do i call", "LNPC", None, ["866-791-0240"]),
    (
        "SOA database doesnt match NPAC for a number ported to AT&T, who fixes that",
        "LNPC",
        None,
        [],
    ),
    ("who handles fallout and conflict resolution on complex ports to AT&T", "LNPC", None, []),
    (
        "REQTYP C in RPON with REQTYP A in the southwest, who do i call",
        "LSC",
        "southwest",
        ["800-357-5534"],
    ),
    ("rpon'd reqtyp c order in the midwest who handles", "LSC", "midwest", ["877-728-1200"]),
    ("stand-alone port in the west region who do i call", "NPSC", "west", ["877-910-0468"]),
    (
        "complex lnp coordinated cut, southeast, porting to AT&T. who?",
        "LNPC",
        "southeast",
        ["866-791-0240"],
    ),
    # Local Service Center (LSC): Functions, Center Contact Numbers
    ("need to reserve a unique telephone number, who do i call", "LSC", None, []),
    ("who can verify existing hunt group info before i send the LSR", "LSC", None, []),
    ("who handles SOC and PTB notifications for a UNE order", "LSC", None, []),
    ("who handles jeopardy notices on a resale LSR", "LSC", None, []),
    ("west LSC number pls", "LSC", "west", ["800-458-4477"]),
    ("whats the phone number for the southeast lsc", "LSC", "southeast", ["800-773-4967"]),
    ("LSC MIDWEST PHONE NUMBER", "LSC", "midwest", ["877-728-1200"]),
    ("southwest lsc #?", "LSC", "southwest", ["800-357-5534"]),
    # Number Portability Service Center (NPSC), Local Number Portability Center (LNPC)
    ("number portability service center phone?", "NPSC", None, ["877-910-0468"]),
    ("npsc midwest number", "NPSC", "midwest", ["877-910-0468"]),
    ("lnpc phone number", "LNPC", None, ["866-791-0240"]),
    # Collocation Service Center (CSC)
    ("collocation application status, who?", "CSC", None, ["m36966@att.com", "CSC_ADMIN"]),
    ("who do i talk to about picture IDs and access cards for our collo cage", "CSC", None, []),
    ("billing claim on a collocation, who handles that", "CSC", None, []),
    ("collocation escalation number for wholesale CLECs", "CSC", None, ["800-579-9446"]),
    # IS Call Center (ISCC): Functions
    ("our FTP file transfer to AT&T keeps failing", "ISCC", None, ["877-681-2271", "option 3"]),
    ("need a digital certificate renewed, who do i call", "ISCC", None, []),
    ("cant log in, need my password reset for the att clec systems", "ISCC", None, []),
    ("who sets up new CLEC user IDs", "ISCC", None, []),
    ("XML connection to att is down who do we call asap", "ISCC", None, []),
    ("NDM connectivity broken since this morning, who", "ISCC", None, []),
    ("can someone re-flow a missing FOC response to us? who do i call", "ISCC", None, []),
    ("who handles dial-up connection problems", "ISCC", None, []),
    # Mechanized Customer Production Support Center (MCPSC): Functions
    ("a fatal error came back that shouldnt have, who opens a defect", "MCPSC", None, []),
    ("question on the LSOR business rules for fatal errors, who helps", "MCPSC", None, []),
    ("cant get our PONs through, who can help", "MCPSC", None, []),
    # att-clec-escalation-matrix.txt: Escalation Type / Handled By
    ("my order has no FOC yet, who handles the escalation?", "LSC", None, ["Ordering"]),
    ("LSR got its FOC but isnt complete yet, who handles the escalation", ANY, None, ["Provision"]),
    ("service broke after the completion date, who do we escalate to", ANY, None, ["Maintenance"]),
    ("who handles a billing issue escalation", ANY, None, ["Billing"]),
    ("fatal error business rules escalation, who handles it", "MCPSC", None, []),
    ("who handles escalations for REQTYP EB and MB", ANY, None, ["CLECALL15-013"]),
    ("loop facility issue on a REQTYP AB order, who do i escalate to", ANY, None, ["provisioning"]),
    # Account teams: Sr. CAM, LI/E911 SrCAM, BDET SrCAM, WSS/OSS support
    ("who helps with E911 trunk planning?", "LI-E911-SRCAM", None, []),
    (
        "need the joint planning call for local interconnection trunks, who",
        "LI-E911-SRCAM",
        None,
        [],
    ),
    (
        "who can act as our liaison inside AT&T after the center escalation process",
        "SRCAM",
        None,
        [],
    ),
    ("whos our account manager under our section 251 agreement", "SRCAM", None, []),
    ("we want to become a service bureau provider, who do we talk to", "SRCAM", None, []),
    (
        "billing dispute denied by the 3rd level manager, we want IDR, who",
        "BDET",
        None,
        ["CLEC-ILEC-EscalateDisp@att.com"],
    ),
    ("who coordinates LAN-LAN circuit turn-up", "WSS", None, []),
    ("need help with customer release testing and OSS versioning, who", "WSS", None, []),
    ("stand alone structure access agreement application, who do i call", "WSS", None, []),
    # att-business-csr-guide.txt: the CSR Center is the single point of contact for CSR requests
    ("where do i send a CSIR for an AT&T business CSR", "CSR-CENTER", None, []),
    (
        "need the CSR for a business customer porting away from AT&T, who do i ask",
        "CSR-CENTER",
        None,
        [],
    ),
    ("who do i escalate a late business CSR to", "CSR-CENTER", None, []),
    # att-bvoip-escalation.txt: IP Flexible Reach contacts
    ("ip flexible reach outage, who do i call", "BVOIP", None, ["(877) 288-8362"]),
    ("bvoip site down who do we call", "BVOIP", None, ["(877) 288-8362"]),
    ("who handles business voip trouble tickets", "BVOIP", None, []),
    # qwest-cmp-production-support.txt: 12.3/12.4 (WSHD, IT troubles), 12.8 (CSIE, process)
    ("qwest IMA is failing on every LSR, who do i report it to", "WSHD", None, []),
    ("who do we call for a qwest IT trouble ticket", "WSHD", None, []),
    ("qwest system outage, who do i report it to", "WSHD", None, []),
    (
        "process trouble with qwest, they keep mishandling our orders, who's tier 1",
        "CSIE",
        None,
        [],
    ),
    ("who handles qwest process troubles", "CSIE", None, []),
]


@pytest.mark.parametrize(
    ("question", "center", "region", "has"), WHO_HANDLES, ids=_ids(WHO_HANDLES)
)
def test_who_handles(ask, question, center, region, has):
    _check(ask(question), intent="who_handles", center=center, region=region, has=has)


# Bare reports (a code, no "who" or "what"): whom to call or what it means are both right answers;
# the center and the code's type must be there either way (EXAMPLES: G123, MR).
BARE_CODE_REPORTS = [
    ("error G123 on an LSR in the Southeast", "MCPSC", ["Interface or LASR", "Southeast"]),
    ("manual reject MR on my LSR", "LSC", ["Manual Reject"]),
    ("SD4410 on pon 55512", "MCPSC", ["Service Order Edit"]),
    ("IF0003 again smh", "MCPSC", ["Interface Edit"]),
    ("PA0100 on a listing lsr", "MCPSC", ["Listing Error"]),
]


@pytest.mark.parametrize(
    ("question", "center", "has"), BARE_CODE_REPORTS, ids=_ids(BARE_CODE_REPORTS)
)
def test_bare_code_reports(ask, question, center, has):
    _check(ask(question), intent=("who_handles", "code"), center=center, region=None, has=has)


# --------------------------------------------------------------------------------------------
# who_handles at a moment: whom to call, and are they open then
# columns: question, at, tz, center, region, open, when, substrings
# --------------------------------------------------------------------------------------------

WHO_HANDLES_AT = [
    # NPSC 7:30 AM - 5:00 PM CST M-F; "after 5pm" before 5 pm = 5 pm today (reading 4)
    (
        "who handles REQTYP C standalone ports after 5pm Central?",
        MON10,
        CT,
        "NPSC",
        None,
        False,
        "2026-11-23 17:00",
        ["877-910-0468", "7:30"],
    ),
    # ISCC 24X7
    (
        "who do i call abt ftp failures at 2am",
        MON10,
        CT,
        "ISCC",
        None,
        True,
        "2026-11-24 02:00",
        ["option 3"],
    ),
    # MCPSC 8 am to 5:30 pm Central Time
    ("who do i call about SF0101 right now", "2026-11-23 17:45", CT, "MCPSC", None, False, NOW, []),
    # LNPC 6:00 am - 12:00 am M-F CST
    (
        "whos handling complex lnp cuts porting to att tonight",
        MON10,
        CT,
        "LNPC",
        None,
        True,
        "2026-11-23",
        [],
    ),
    # CSC 7:30 am - 4:00 pm CST: 4:00 pm is closed (half-open)
    (
        "collocation access card question, who can help at 4pm",
        MON10,
        CT,
        "CSC",
        None,
        False,
        "2026-11-23 16:00",
        [],
    ),
    # WSHD Saturday 7:00 a.m. - 3:00 p.m. MT; Sat 10am PT = 11am MT = 12pm CT
    (
        "who do i call for qwest IT trouble saturday 10am pacific",
        MON10,
        CT,
        "WSHD",
        None,
        True,
        "2026-11-28 12:00",
        [],
    ),
    # LSC West 8:00am - 5:00pm PST; 6 pm CT = 4 pm PT
    (
        "reqtyp c rpon'd with reqtyp a in the west, who do i call at 6pm",
        MON10,
        CT,
        "LSC",
        "west",
        True,
        "2026-11-23 18:00",
        ["800-458-4477"],
    ),
    # Thanksgiving closes weekday centers (reading 3)
    (
        "who handles stand alone ports on thanksgiving",
        MON10,
        CT,
        "NPSC",
        None,
        False,
        "2026-11-26",
        [],
    ),
    # BVoIP: 24x7 service
    (
        "bvoip outage sunday at 3am who do i call",
        MON10,
        CT,
        "BVOIP",
        None,
        True,
        "2026-11-29 03:00",
        ["(877) 288-8362"],
    ),
]

_AT_COLUMNS = ("question", "at", "tz", "center", "region", "is_open", "when", "has")


@pytest.mark.parametrize(_AT_COLUMNS, WHO_HANDLES_AT, ids=_ids(WHO_HANDLES_AT, 1))
def test_who_handles_at(ask, question, at, tz, center, region, is_open, when, has):
    _check(
        ask(question, at=_iso(at, tz), tz=tz),
        intent="who_handles",
        center=center,
        region=region,
        is_open=is_open,
        when=_expected_when(when, at, tz),
        has=has,
        tz=tz,
    )


# "who do I call, and are they open?" in one line: who_handles or hours are both right intents;
# the center, the moment and open/closed must be right either way.
WHO_HANDLES_AND_OPEN = [
    # LSC: all four regions closed on Saturday, so open is False even with no region named
    (
        "manual reject MR on pon 8812, who do i call and are they open rn",
        "2026-11-28 10:00",
        CT,
        "LSC",
        None,
        False,
        NOW,
        [],
    ),
    # MCPSC: in 3 hours from 3 pm = 6 pm CT, closed
    (
        "error IF3002 who do i call, r they open in 3 hrs?",
        "2026-11-23 15:00",
        CT,
        "MCPSC",
        None,
        False,
        "2026-11-23 18:00",
        [],
    ),
    # MCPSC closes 5:30 pm CT; SD = Service Order Edit
    (
        "sd1051 on our lsr, who do i call + r they still there at 5:15pm",
        MON10,
        CT,
        "MCPSC",
        None,
        True,
        "2026-11-23 17:15",
        ["Service Order Edit"],
    ),
    # NPSC: Monday through Friday only
    (
        "stand alone port jeopardy, who handles it and are they open saturday",
        MON10,
        CT,
        "NPSC",
        None,
        False,
        "2026-11-28",
        ["877-910-0468"],
    ),
]


@pytest.mark.parametrize(_AT_COLUMNS, WHO_HANDLES_AND_OPEN, ids=_ids(WHO_HANDLES_AND_OPEN, 1))
def test_who_handles_and_open(ask, question, at, tz, center, region, is_open, when, has):
    _check(
        ask(question, at=_iso(at, tz), tz=tz),
        intent=("who_handles", "hours"),
        center=center,
        region=region,
        is_open=is_open,
        when=_expected_when(when, at, tz),
        has=has,
        tz=tz,
    )


# --------------------------------------------------------------------------------------------
# hours: is X open (at a moment / on a day), when does X open or close, hours of X
# columns: question, at, tz, center, region, open, when, substrings
# --------------------------------------------------------------------------------------------

HOURS = [
    # Collocation Service Center (CSC): 7:30 am - 4:00 pm Central Standard Time, Mon-Fri
    ("what are the CSC hours?", MON10, CT, "CSC", None, True, NOW, ["7:30"]),
    (
        "is the collocation service center open at 4pm",
        MON10,
        CT,
        "CSC",
        None,
        False,
        "2026-11-23 16:00",
        [],
    ),
    ("csc open at 3:59pm?", MON10, CT, "CSC", None, True, "2026-11-23 15:59", []),
    ("is csc open on thanksgiving", MON10, CT, "CSC", None, False, "2026-11-26", []),
    ("is the csc opn rn", "2026-11-23 07:15", CT, "CSC", None, False, NOW, ["7:30"]),
    # asker in Eastern: 8:45 ET = 7:45 CT
    (
        "is the collocation center open right now",
        "2026-11-23 08:45",
        ET,
        "CSC",
        None,
        True,
        NOW,
        [],
    ),
    # 2026-07-03: Independence Day (observed)
    ("is the csc open right now", "2026-07-03 10:00", CT, "CSC", None, False, NOW, []),
    # IS Call Center (ISCC): 24X7 operations each day, holidays included
    (
        "is the iscc open on christmas",
        MON10,
        CT,
        "ISCC",
        None,
        True,
        "2026-12-25",
        [TWENTY_FOUR_SEVEN],
    ),
    ("is ISCC open rn", "2026-11-29 03:00", CT, "ISCC", None, True, NOW, []),
    ("iscc open at 3am?", MON10, CT, "ISCC", None, True, "2026-11-24 03:00", []),
    (
        "IS THE IS CALL CENTER OPEN ON NEW YEARS DAY",
        MON10,
        CT,
        "ISCC",
        None,
        True,
        "2027-01-01",
        [],
    ),
    ("is the iscc open on thanksgiving", MON10, CT, "ISCC", None, True, "2026-11-26", []),
    ("is the iscc open rn", "2026-09-07 10:00", CT, "ISCC", None, True, NOW, []),
    # BVoIP: 24x7 (after-hours escalation manager)
    (
        "is bvoip support open on sunday at 4am",
        MON10,
        CT,
        "BVOIP",
        None,
        True,
        "2026-11-29 04:00",
        [],
    ),
    # Local Service Center (LSC): Midwest 8-5 EST, Southwest 8-5:30 CST, Southeast 7:30-5 CST,
    # West 8-5 PST, Monday through Friday
    (
        "when does the southwest LSC close today?",
        MON10,
        CT,
        "LSC",
        "southwest",
        True,
        "2026-11-23",
        ["5:30", "800-357-5534"],
    ),
    (
        "is the West LSC open at 7pm Eastern?",
        MON10,
        CT,
        "LSC",
        "west",
        True,
        "2026-11-23 18:00",
        [],
    ),
    (
        "is the midwest lsc open at 4:30pm central",
        MON10,
        CT,
        "LSC",
        "midwest",
        False,
        "2026-11-23 16:30",
        [],
    ),
    ("lsc midwest open at 7:30am?", MON10, CT, "LSC", "midwest", True, "2026-11-24 07:30", []),
    (
        "se lsc open tomorrow at 7:45am",
        MON10,
        CT,
        "LSC",
        "southeast",
        True,
        "2026-11-24 07:45",
        ["800-773-4967"],
    ),
    (
        "is hte southeast LSC open right now",
        "2026-11-23 07:29",
        CT,
        "LSC",
        "southeast",
        False,
        NOW,
        ["7:30"],
    ),
    ("west lsc open yet?", "2026-11-23 07:59", PT, "LSC", "west", False, NOW, []),
    ("west lsc open yet?", "2026-11-23 08:00", PT, "LSC", "west", True, NOW, []),
    ("southwest lsc open at 5:15pm", MON10, CT, "LSC", "southwest", True, "2026-11-23 17:15", []),
    # "at 6pm" after 6 pm = tomorrow's 6 pm (reading 4)
    (
        "is the sw lsc open at 6pm",
        "2026-11-23 19:00",
        CT,
        "LSC",
        "southwest",
        False,
        "2026-11-24 18:00",
        [],
    ),
    # no region named: open only when all four regions agree, else None
    ("is the lsc open", "2026-11-23 09:00", CT, "LSC", None, None, NOW, []),
    ("lsc open now?", MON10, CT, "LSC", None, True, NOW, []),
    ("is the lsc open at 4:30pm", MON10, CT, "LSC", None, None, "2026-11-23 16:30", []),
    ("are the LSCs open saturday", MON10, CT, "LSC", None, False, "2026-11-28", []),
    ("LSC WEST OPEN ON THANKSGIVING??", MON10, CT, "LSC", "west", False, "2026-11-26", []),
    (
        "is the midwest lsc open",
        "2026-11-23 16:59",
        ET,
        "LSC",
        "midwest",
        True,
        NOW,
        ["877-728-1200"],
    ),
    (
        "is the lsc midwest open in 3 hours",
        "2026-11-23 14:30",
        ET,
        "LSC",
        "midwest",
        False,
        "2026-11-23 17:30",
        [],
    ),
    (
        "is the lsc southwest open on thanksgiving at 10am",
        MON10,
        CT,
        "LSC",
        "southwest",
        False,
        "2026-11-26 10:00",
        [],
    ),
    ("whens the midwest lsc close", MON10, CT, "LSC", "midwest", True, NOW, []),
    # 2026-06-19: Juneteenth; 2027-02-15: Washington's Birthday
    ("se lsc open now?", "2026-06-19 10:00", CT, "LSC", "southeast", False, NOW, []),
    ("is the west lsc open rn", "2027-02-15 09:00", PT, "LSC", "west", False, NOW, []),
    # Number Portability Service Center (NPSC): 7:30am - 5:00 pm Mon-Fri CST, every region
    ("is the NPSC open now?", "2026-11-23 07:00", CT, "NPSC", None, False, NOW, ["7:30"]),
    ("npsc open rn", "2026-11-23 07:30", CT, "NPSC", None, True, NOW, []),
    ("npsc still open?", "2026-11-23 16:59", CT, "NPSC", None, True, NOW, []),
    ("is npsc open", "2026-11-23 17:00", CT, "NPSC", None, False, NOW, []),
    # "after 5pm" when already past 5 pm = now (reading 4)
    ("is the npsc open after 5pm", "2026-11-23 18:30", CT, "NPSC", None, False, NOW, []),
    ("npsc open in 2 hrs?", "2026-11-23 15:00", CT, "NPSC", None, False, "2026-11-23 17:00", []),
    (
        "will npsc be open in 3 hours",
        "2026-11-23 05:00",
        CT,
        "NPSC",
        None,
        True,
        "2026-11-23 08:00",
        [],
    ),
    ("npsc open tonight?", MON10, CT, "NPSC", None, False, "2026-11-23", []),
    # tomorrow is Thanksgiving
    (
        "is the npsc open tomorrow morning",
        "2026-11-25 10:00",
        CT,
        "NPSC",
        None,
        False,
        "2026-11-26",
        [],
    ),
    # the day after Thanksgiving is not a federal holiday
    ("is the NPSC open rn", "2026-11-27 10:00", CT, "NPSC", None, True, NOW, []),
    # 2026-11-11: Veterans Day; 2027-01-18: Martin Luther King Jr. Day
    ("npsc open today?", "2026-11-11 10:00", CT, "NPSC", None, False, "2026-11-11", []),
    ("npsc open right now?", "2027-01-18 10:00", CT, "NPSC", None, False, NOW, []),
    ("is the npsc southwest open", MON10, CT, "NPSC", "southwest", True, NOW, ["877-910-0468"]),
    ("npsc west open at 7pm eastern", MON10, CT, "NPSC", "west", False, "2026-11-23 18:00", []),
    ("is the npsc open rn", "2026-11-23 08:00", PT, "NPSC", None, True, NOW, []),
    ("npsc open now?", "2026-11-23 08:15", ET, "NPSC", None, False, NOW, []),
    ("IS THE NPSC OPEN RIGHT NOW", "2026-11-28 11:00", CT, "NPSC", None, False, NOW, []),
    ("will the npsc be open christmas day", MON10, CT, "NPSC", None, False, "2026-12-25", []),
    (
        "hey can you tell me if the number portability service center is open rn",
        "2026-11-23 12:00",
        CT,
        "NPSC",
        None,
        True,
        NOW,
        [],
    ),
    ("when does npsc opn tmrw", "2026-11-23 18:00", CT, "NPSC", None, True, "2026-11-24", ["7:30"]),
    # Local Number Portability Center (LNPC): 6:00 am - 12:00 am Mon-Fri CST,
    # 8:30 am - 5:00 pm Saturday CST, closed Sunday; 12:00 am = midnight ending the day
    ("LNPC hours on Saturday?", MON10, CT, "LNPC", None, True, "2026-11-28", ["8:30"]),
    (
        "is the LNPC open Tuesday at 5am Central?",
        MON10,
        CT,
        "LNPC",
        None,
        False,
        "2026-11-24 05:00",
        [],
    ),
    ("lnpc open rn", "2026-11-23 23:59", CT, "LNPC", None, True, NOW, []),
    ("lnpc open rn", "2026-11-24 00:00", CT, "LNPC", None, False, NOW, []),
    ("is lnpc open at 11:59pm", MON10, CT, "LNPC", None, True, "2026-11-23 23:59", []),
    ("is lnpc open at 12am", MON10, CT, "LNPC", None, False, "2026-11-24 00:00", []),
    ("lnpc open at midnight?", MON10, CT, "LNPC", None, False, "2026-11-24 00:00", []),
    ("is the lnpc open tonight", MON10, CT, "LNPC", None, True, "2026-11-23", []),
    ("lnpc open tomorrow morning?", MON10, CT, "LNPC", None, True, "2026-11-24", []),
    ("lnpc open rn", "2026-11-28 16:59", CT, "LNPC", None, True, NOW, []),
    ("lnpc open rn", "2026-11-28 17:00", CT, "LNPC", None, False, NOW, []),
    ("lnpc open now", "2026-11-28 08:00", CT, "LNPC", None, False, NOW, ["8:30"]),
    ("is the lnpc open on sunday", MON10, CT, "LNPC", None, False, "2026-11-29", []),
    ("LNPC OPEN SAT???", MON10, CT, "LNPC", None, True, "2026-11-28", []),
    (
        "lnpc west open saturday 10am pacific",
        MON10,
        CT,
        "LNPC",
        "west",
        True,
        "2026-11-28 12:00",
        ["866-791-0240"],
    ),
    ("LNPC open on thanksgiving?", MON10, CT, "LNPC", None, False, "2026-11-26", []),
    ("is lnpc open on christmas", MON10, CT, "LNPC", None, False, "2026-12-25", []),
    # asker in Pacific: 9:30 pm PT = 11:30 pm CT (open); 10 pm PT = midnight CT (closed)
    ("is lnpc open rn", "2026-11-23 21:30", PT, "LNPC", None, True, NOW, []),
    ("is lnpc open rn", "2026-11-23 22:00", PT, "LNPC", None, False, NOW, []),
    ("lnpc open at 6pm", "2026-11-23 19:00", CT, "LNPC", None, True, "2026-11-24 18:00", []),
    # New Year's Eve is a working day until midnight; New Year's Day is a holiday
    ("lnpc open rn", "2026-12-31 23:30", CT, "LNPC", None, True, NOW, []),
    ("lnpc open rn", "2027-01-01 00:00", CT, "LNPC", None, False, NOW, []),
    # 2026-09-07: Labor Day
    ("is lnpc open rn", "2026-09-07 10:00", CT, "LNPC", None, False, NOW, []),
    # Mechanized Customer Production Support Center (MCPSC): 8 am to 5:30 pm Central, Mon-Fri;
    # holidays per the Southwest Region schedule (not in the sources: federal by default)
    ("is MCPSC open on New Year's Day?", MON10, CT, "MCPSC", None, False, "2027-01-01", []),
    ("mcpsc open at 5:15pm", MON10, CT, "MCPSC", None, True, "2026-11-23 17:15", ["877-681-2271"]),
    ("is the mcpsc open after 5pm", MON10, CT, "MCPSC", None, True, "2026-11-23 17:00", []),
    ("is mcpsc open rn", "2026-11-23 18:15", ET, "MCPSC", None, True, NOW, []),
    ("is mcpsc open rn", "2026-11-23 18:30", ET, "MCPSC", None, False, NOW, []),
    ("mcpsc hours?", MON10, CT, "MCPSC", None, True, NOW, ["5:30"]),
    (
        "is mcpsc open in 2 hours",
        "2026-11-23 15:00",
        CT,
        "MCPSC",
        None,
        True,
        "2026-11-23 17:00",
        [],
    ),
    ("mcpsc open on christmas?", MON10, CT, "MCPSC", None, False, "2026-12-25", []),
    # Qwest WSHD (12.7): Mon-Fri 6:00 a.m. - 8:00 p.m. MT, Saturday 7:00 a.m. - 3:00 p.m. MT
    ("is the WSHD open on Sunday?", MON10, CT, "WSHD", None, False, "2026-11-29", []),
    ("is the wshd open at 8:30pm central", MON10, CT, "WSHD", None, True, "2026-11-23 20:30", []),
    ("wshd open at 9pm central?", MON10, CT, "WSHD", None, False, "2026-11-23 21:00", []),
    ("wshd open saturday 2pm mountain", MON10, CT, "WSHD", None, True, "2026-11-28 15:00", []),
    (
        "is the qwest wholesale systems help desk open saturday at 3pm MT",
        MON10,
        CT,
        "WSHD",
        None,
        False,
        "2026-11-28 16:00",
        [],
    ),
    ("wshd open?", "2026-11-23 05:59", MT, "WSHD", None, False, NOW, []),
    ("wshd open?", "2026-11-23 06:00", MT, "WSHD", None, True, NOW, []),
    ("wshd hours", MON10, CT, "WSHD", None, True, NOW, []),
    ("is the wshd open on thanksgiving", MON10, CT, "WSHD", None, False, "2026-11-26", []),
    # Arizona stays on MST: in November 7 pm Arizona = 7 pm Denver (open) ...
    ("is wshd open at 7pm arizona time", MON10, CT, "WSHD", None, True, "2026-11-23 20:00", []),
    ("is the wshd open at 7pm", "2026-11-23 10:00", AZ, "WSHD", None, True, "2026-11-23 19:00", []),
    # ... in March (after 2027-03-14) 7 pm Arizona = 8 pm MDT (closed)
    (
        "is the wshd open at 7pm",
        "2027-03-15 10:00",
        AZ,
        "WSHD",
        None,
        False,
        "2027-03-15 19:00",
        [],
    ),
    # CSR Center: 8:00 AM - 5:00 PM ET Mon-Fri (DOMAIN reading 6, a product assumption)
    ("is the csr center open now", MON10, CT, "CSR-CENTER", None, True, NOW, []),
    ("is the CSR center open rn", "2026-11-23 16:30", CT, "CSR-CENTER", None, False, NOW, []),
    (
        "att business csr center open saturday?",
        MON10,
        CT,
        "CSR-CENTER",
        None,
        False,
        "2026-11-28",
        [],
    ),
    # Hours the sources do not give: open is None (reading 2)
    ("is the csie open rn", MON10, CT, "CSIE", None, None, NOW, []),
    ("what are the SrCAM team's hours", MON10, CT, "SRCAM", None, None, NOW, []),
    ("is BDET open right now", MON10, CT, "BDET", None, None, NOW, []),
    ("is the LI/E911 SrCAM available now", MON10, CT, "LI-E911-SRCAM", None, None, NOW, []),
    # Daylight saving: ends 2026-11-01, starts 2027-03-14 (readings 1 and 4)
    (
        "is the NPSC open monday at 8am?",
        "2026-10-31 10:00",
        CT,
        "NPSC",
        None,
        True,
        "2026-11-02 08:00",
        [],
    ),
    ("is iscc open rn", "2026-11-01T01:30:00-06:00", CT, "ISCC", None, True, NOW, []),
    ("lnpc open today?", "2026-11-01 10:00", CT, "LNPC", None, False, "2026-11-01", []),
    (
        "is the wshd open tomorrow at 6am mountain",
        "2026-11-01 10:00",
        CT,
        "WSHD",
        None,
        True,
        "2026-11-02 07:00",
        [],
    ),
    ("is lnpc open rn", "2026-10-31 16:59", CT, "LNPC", None, True, NOW, []),
    ("is lnpc open monday 7am", "2027-03-13 12:00", CT, "LNPC", None, True, "2027-03-15 07:00", []),
    (
        "is the west lsc open at 7am pacific",
        "2027-03-15 08:00",
        CT,
        "LSC",
        "west",
        False,
        "2027-03-15 09:00",
        [],
    ),
    # 3 elapsed hours from 11:30 pm CST Saturday = 3:30 am CDT Sunday
    ("is iscc open in 3 hours", "2027-03-13 23:30", CT, "ISCC", None, True, "2027-03-14 03:30", []),
    (
        "midwest lsc open at 8am eastern tomorrow",
        "2027-03-14 12:00",
        CT,
        "LSC",
        "midwest",
        True,
        "2027-03-15 07:00",
        [],
    ),
    # asker in Denver (MDT, UTC-6) after the change: 5 pm EDT = 4 pm CDT, MCPSC open
    (
        "mcpsc open at 5pm eastern",
        "2027-03-15 09:00",
        MT,
        "MCPSC",
        None,
        True,
        "2027-03-15 15:00",
        [],
    ),
]


@pytest.mark.parametrize(_AT_COLUMNS, HOURS, ids=_ids(HOURS, 1))
def test_hours(ask, question, at, tz, center, region, is_open, when, has):
    _check(
        ask(question, at=_iso(at, tz), tz=tz),
        intent="hours",
        center=center,
        region=region,
        is_open=is_open,
        when=_expected_when(when, at, tz),
        has=has,
        tz=tz,
    )


# --------------------------------------------------------------------------------------------
# code: what a code means
# columns: question, center, substrings
# --------------------------------------------------------------------------------------------

CODES = [
    # att-business-csr-guide.txt: "CSR Rejects and Reject Codes"
    ("CSR reject code 002?", "CSR-CENTER", ["Not AT&T"]),
    ("what does csir reject 001 mean", "CSR-CENTER", ["Not Found"]),
    ("csr rejected w/ code 003 whats that", "CSR-CENTER", ["Incorrect"]),
    ("reject code 004 on our CSR request??", "CSR-CENTER", ["LOA", "No Response"]),
    ("wat is csr reject 018", "CSR-CENTER", ["Does Not Match"]),
    ("CSR REJECT 052 MEANING", "CSR-CENTER", ["20 Pages"]),
    ("csir came back with reject code 200, what does it mean", "CSR-CENTER", ["Duplicate"]),
    ("what's csr reject code 201", "CSR-CENTER", ["Cancel"]),
    ("hte csr reject 501 means what", "CSR-CENTER", ["Contact Information"]),
    # qwest-cmp-production-support.txt 12.3: disposition codes of a closed IT Trouble Ticket
    ("qwest closed our ticket as No Trouble Found, what does that mean", "WSHD", ["no trouble"]),
    ("what does the disposition Trouble to be Resolved in Patch mean", "WSHD", ["patch"]),
    ("qwest says CLEC Should Submit CMP CR, meaning?", "WSHD", ["Technical Specifications"]),
    ("what does the Resolved disposition code mean on a qwest IT ticket", "WSHD", ["resolved"]),
    ("qwest put our ticket in Date TBD status, what does that mean", "WSHD", ["CMP"]),
    # att-clec-center-contacts.txt, "Who to Call Job Aid": Error Code Type, longest prefix first
    ("what does SD mean on an AT&T error code", "MCPSC", ["Service Order Edit"]),
    ("what does the SF prefix stand for", "MCPSC", ["Super Fatal"]),
    ("IF error prefix meaning?", "MCPSC", ["Interface Edit"]),
    ("what kind of error is LS0041", "MCPSC", ["LASR Edit"]),
    ("whats a PA error", "MCPSC", ["Listing Error"]),
    ("what does MR mean on a reject", "LSC", ["Manual Reject"]),
    ("what type of error is M500", "MCPSC", ["Interface or LASR Error"]),
    ("meaning of error S2105", "MCPSC", ["Super Fatal"]),
    ("what is an I0123 error", "MCPSC", ["Super Fatal"]),
    ("what does G0200 mean", "MCPSC", ["Interface or LASR", "Southeast"]),
    ("what does error code P1000 mean", "MCPSC", ["Super Fatal"]),
    ("whats L0007 mean", "MCPSC", ["Super Fatal"]),
    ("what does error code SF0101 mean", "MCPSC", ["Super Fatal"]),
]


@pytest.mark.parametrize(("question", "center", "has"), CODES, ids=_ids(CODES))
def test_code(ask, question, center, has):
    _check(ask(question), intent="code", center=center, region=None, has=has)


# --------------------------------------------------------------------------------------------
# severity: definitions of the two ladders
# columns: question, center, substrings
# --------------------------------------------------------------------------------------------

SEVERITY = [
    # att-bvoip-escalation.txt: "Escalation Severity Levels" (Severity 1 High, Severity 2 Medium)
    ("BVoIP severity 1 vs severity 2?", "BVOIP", ["High", "Medium"]),
    ("whats sev 1 for bvoip", "BVOIP", [("one way audio", "one-way audio"), "site"]),
    ("define severity 2 for ip flexible reach", "BVOIP", ["latency", "degraded"]),
    ("bvoip: callers get one way audio at our HQ, whats the severity", "BVOIP", ["High"]),
    ("latency on our bvoip phones, what sev is that", "BVOIP", ["Medium"]),
    # qwest-cmp-production-support.txt 12.5 "Severity Levels"
    ("qwest severity levels pls", "WSHD", ["Critical", "Serious", "Moderate", "Minimal"]),
    ("what counts as a sev 3 on a qwest IT ticket", "WSHD", ["Moderate"]),
    ("qwest sev4 definition", "WSHD", ["Minimal"]),
    ("QWEST SEVERITY 1 WHAT IS IT", "WSHD", ["Critical"]),
    ("what is a severity 2 at the qwest help desk", "WSHD", ["Serious"]),
    ("examples of a qwest severity 1 ticket?", "WSHD", ["backbone"]),
    (
        "misleading system messages confusing users, what qwest severity is that",
        "WSHD",
        ["Minimal"],
    ),
    ("what severity would qwest give hardware errors with no impact yet", "WSHD", ["Moderate"]),
]


@pytest.mark.parametrize(("question", "center", "has"), SEVERITY, ids=_ids(SEVERITY))
def test_severity(ask, question, center, has):
    _check(ask(question), intent="severity", center=center, region=None, has=has)


# --------------------------------------------------------------------------------------------
# prepare: what to have ready to escalate
# columns: question, center, substrings
# --------------------------------------------------------------------------------------------

PREPARE = [
    # att-business-csr-guide.txt: "Information to Provide for Escalation"
    (
        "what do I need to escalate a late CSR?",
        "CSR-CENTER",
        [("BTN", "Billing Telephone Number"), "Customer Name", "CSIR", "LSP"],
    ),
    ("what should we have ready when we call about an overdue business csr", "CSR-CENTER", ["BTN"]),
    # att-bvoip-escalation.txt: "When escalating a problem, ... provide the following information"
    ("what info do i need b4 escalating a bvoip ticket", "BVOIP", ["AOTS"]),
    (
        "pls list what to have ready when escalating ip flexible reach",
        "BVOIP",
        ["AOTS", "business"],
    ),
    # att-clec-escalation-matrix.txt: what to state when reporting an LNP premature disconnect
    (
        "what do i need to provide when reporting a premature disconnect of a pending port",
        ANY,
        ["Premature disconnect of pending LNP conversion"],
    ),
    # qwest-cmp-production-support.txt 12.8.1 (CSIE) and 12.4.1 (WSHD): reject notices, LSRs,
    # TNs or circuit numbers
    ("what details does CSIE want for a process trouble", "CSIE", [("reject notice", "circuit")]),
    (
        "what info do i give the WSHD when reporting a qwest system problem",
        "WSHD",
        [("reject notice", "circuit")],
    ),
]


@pytest.mark.parametrize(("question", "center", "has"), PREPARE, ids=_ids(PREPARE))
def test_prepare(ask, question, center, has):
    _check(ask(question), intent="prepare", center=center, region=None, has=has)


# --------------------------------------------------------------------------------------------
# escalation_status: where an escalation stands now, and update cadence
# columns: question, at, tz, center, substrings
# --------------------------------------------------------------------------------------------

ESCALATION_STATUS = [
    # att-bvoip-escalation.txt "IP Flexible Reach Level & Intervals", DOMAIN reading 7:
    # level k+1 is due when level k's interval has passed (sev 1: 1, 2, 3, 4 h; sev 2: 2, 4, 6, 8 h)
    (
        "sev 1 BVoIP outage reported 90 minutes ago, no progress, who now?",
        TUE12,
        CT,
        "BVOIP",
        ["(877) 288-8362", "Team Lead"],
    ),
    (
        "sev1 bvoip reported 30 min ago, no progress, can i escalate yet",
        TUE12,
        CT,
        "BVOIP",
        ["(877) 288-8362"],
    ),
    (
        "bvoip sev 2 reported 3 hours ago still broken, who do i escalate to",
        TUE12,
        CT,
        "BVOIP",
        ["Team Lead"],
    ),
    (
        "sev1 bvoip reported at 9:30 this morning, nothing yet, who now",
        TUE12,
        CT,
        "BVOIP",
        ["Area Manager"],
    ),
    (
        "sev 1 bvoip ticket from 8:30am central still down, next escalation?",
        TUE12,
        CT,
        "BVOIP",
        ["Director"],
    ),
    ("bvoip severity 2 reported 5 hours ago, still no fix", TUE12, CT, "BVOIP", ["Area Manager"]),
    ("sev2 bvoip opened at 5am, still degraded, who now", TUE12, CT, "BVOIP", ["Director"]),
    # severity from the words used: site down = 1, latency = 2
    (
        "whole site down on bvoip since 10:15am, who do i call now",
        TUE12,
        CT,
        "BVOIP",
        ["Team Lead"],
    ),
    (
        "bvoip calls have latency since 10am, still bad, who next",
        "2026-12-01 12:30",
        CT,
        "BVOIP",
        ["Team Lead"],
    ),
    # after hours (Sunday 2 am), level 3: "(877) 288-8362 and ask for the Escalation Manager"
    (
        "bvoip site down since 11:30pm, who do i escalate to now",
        "2026-11-29 02:00",
        CT,
        "BVOIP",
        ["Escalation Manager"],
    ),
    # qwest-cmp-production-support.txt 12.7 "Notification Intervals", DOMAIN reading 8
    ("how often should Qwest update a sev 3?", MON10, CT, "WSHD", ["4 hours"]),
    (
        "qwest severity 4 ticket with no workaround, how often do we get updates?",
        MON10,
        CT,
        "WSHD",
        ["48"],
    ),
    ("how often does qwest send updates on a sev 1 ticket", MON10, CT, "WSHD", [HOURLY]),
    ("update cadence for a qwest sev 2 IT ticket?", MON10, CT, "WSHD", [HOURLY]),
    (
        "qwest sev 3 ticket, they gave us a workaround, how often will they update",
        MON10,
        CT,
        "WSHD",
        [NO_UPDATES],
    ),
    ("sev 4 qwest w/ workaround how often do updates come", MON10, CT, "WSHD", [NO_UPDATES]),
    # qwest-cmp-production-support.txt 12.8.1, DOMAIN reading 9: CSIE Tier 1
    ("how often should CSIE give us status on a process ticket", MON10, CT, "CSIE", ["2 hours"]),
    (
        "opened a process trouble ticket w/ CSIE 3 hours ago no response, what now",
        MON10,
        CT,
        "CSIE",
        [("2 hour", "2-hour", "two hour")],
    ),
    # att-business-csr-guide.txt "Escalation Contacts", DOMAIN reading 6: submitted Mon 11-30
    # 11 am ET (before the 3 PM ET cut-off) -> due Thu 12-03 11 am = level 1; level 2 Thu 3 pm;
    # level 3 Fri 12-04 10 am ET
    (
        "csr btn 312-555-0101 submitted 2026-11-30 11am ET still not here, who do i escalate to",
        "2026-12-03 16:00",
        ET,
        "CSR-CENTER",
        ["Noriko Wilson", "(916) 974-8922"],
    ),
    (
        "csr btn 312-555-0101 submitted 2026-11-30 11am ET still not here, who do i escalate to",
        "2026-12-04 11:00",
        ET,
        "CSR-CENTER",
        ["Anitra Warthon", "(214) 721-3222"],
    ),
    # submitted after the cut-off (3:30 pm ET): starts Tue 8 am, due Fri 8 am, level 2 Fri noon
    (
        "csir sent 2026-11-30 3:30pm ET, still no CSR, who now",
        "2026-12-04 13:00",
        ET,
        "CSR-CENTER",
        ["Noriko Wilson"],
    ),
]


@pytest.mark.parametrize(
    ("question", "at", "tz", "center", "has"), ESCALATION_STATUS, ids=_ids(ESCALATION_STATUS, 1)
)
def test_escalation_status(ask, question, at, tz, center, has):
    _check(
        ask(question, at=_iso(at, tz), tz=tz),
        intent="escalation_status",
        center=center,
        region=None,
        has=has,
        tz=tz,
    )


# Escalation questions that ask for one stated fact are answered with that fact first
# (issue 7): the closure window is the answer to "how long do we have".
FACT_FIRST = [
    (
        "qwest wants to close our process ticket but its not fixed, how long do we have",
        MON10,
        CT,
        "CSIE",
        ["24 hours"],
    ),
]


@pytest.mark.parametrize(
    ("question", "at", "tz", "center", "has"), FACT_FIRST, ids=_ids(FACT_FIRST, 1)
)
def test_fact_first(ask, question, at, tz, center, has):
    _check(ask(question, at=_iso(at, tz), tz=tz), intent="fact", center=center, has=has, tz=tz)


# --------------------------------------------------------------------------------------------
# board: which centers are open at a moment (no primary center, so open is None)
# columns: question, at, tz, when, substrings (a center that is open then)
# --------------------------------------------------------------------------------------------

BOARD = [
    # Sunday 3 am: only the 24x7 ones (ISCC, BVoIP)
    (
        "which centers are open right now",
        "2026-11-29 03:00",
        CT,
        NOW,
        [("ISCC", "IS Call Center")],
    ),
    ("whats open rn", MON10, CT, NOW, [("NPSC", "Number Portability Service Center")]),
    # Monday 9 pm CT: LNPC (until midnight CT), ISCC, BVoIP; the WSHD closed at 8 pm MT
    (
        "wich centers r open at 9pm tonight",
        MON10,
        CT,
        "2026-11-23 21:00",
        [("LNPC", "Local Number Portability Center")],
    ),
    ("anyone open on thanksgiving?", MON10, CT, "2026-11-26", [("ISCC", "IS Call Center")]),
    # Saturday 10 am CT: LNPC (Sat 8:30-5 CT), WSHD (Sat 7-3 MT), ISCC, BVoIP
    (
        "WHO IS OPEN RIGHT NOW",
        "2026-11-28 10:00",
        CT,
        NOW,
        [("LNPC", "Local Number Portability Center")],
    ),
]


@pytest.mark.parametrize(("question", "at", "tz", "when", "has"), BOARD, ids=_ids(BOARD, 1))
def test_board(ask, question, at, tz, when, has):
    _check(
        ask(question, at=_iso(at, tz), tz=tz),
        intent="board",
        center=None,
        is_open=None,
        when=_expected_when(when, at, tz),
        has=has,
        tz=tz,
    )


# --------------------------------------------------------------------------------------------
# help, and questions the sources do not answer (DOMAIN reading 5: never a guess)
# --------------------------------------------------------------------------------------------

HELP = [
    "help",
    "what can you do",
    "hey bot what kinda questions can u answer?",
    "how do i use this thing",
]


@pytest.mark.parametrize("question", HELP, ids=HELP)
def test_help(ask, question):
    _check(ask(question), intent="help", center=None)


UNKNOWN = [
    "what's the weather in Dallas?",
    "who won the cowboys game last night",
    "best recipe for brisket?",
    "tell me a joke",
    "whats the capital of france",
    "can you book me a flight to denver on friday",
    "how tall is mount everest",
    "any good pizza places near the office",
]


@pytest.mark.parametrize("question", UNKNOWN, ids=UNKNOWN)
def test_unknown(ask, question):
    _check(ask(question), intent="unknown", center=None)
