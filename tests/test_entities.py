"""Entities you can trust (issue 7): carriers, products and symptoms, severities chosen by
their definitions, ids kept apart from codes, and filler words in front of a tracker.

Each row is one line a desk types and what a right answer holds. The facts come from the
seeds in shared/seeds/ read with DOMAIN.md's readings 5, 7, 12 and 13: the sources cover
AT&T's wholesale centers and Qwest's CMP production support (WSHD, CSIE) only; Qwest is now
Lumen (formerly CenturyLink), answered from the Qwest source with a note; BVoIP severity 1
is multiple users unable to make outbound or inbound calls, one way audio or the entire
site down, severity 2 latency or degraded performance; Qwest severities 1-4 by the criteria
and examples of section 12.5. Questions are asked Tue 2026-12-01 12:00 CT unless a row says.
"""

from __future__ import annotations

import pytest

from bot.conversation import respond
from storage.db import connect

TUE12 = "2026-12-01T12:00:00-06:00"
CT = "America/Chicago"
RENAMED = "predates the rename"
COVER_ONLY = "cover AT&T and Qwest only"


def _ask(ask, text, at=TUE12):
    return ask(text, at=at, tz=CT)


def _answer(reply) -> str:
    """What a reply says, less its "Try" examples (which quote sample questions)."""
    parts = [reply["headline"], *(f["value"] for f in reply["facts"])]
    parts += [r["value"] for r in reply["rows"]] + reply["contacts"] + reply["next_steps"]
    return "\n".join(parts).lower()


# --------------------------------------------------------------------------------------------
# Carriers (reading 12): covered, covered under a later name, not covered
# columns: question, intent, center, words the reply holds, words it must not hold
# --------------------------------------------------------------------------------------------

CARRIERS = [
    # AT&T and Qwest by their own names: answered
    ("at&t southwest lsc phone", "who_handles", "LSC", ["800-357-5534"], [RENAMED]),
    ("who at AT&T handles REQTYP C standalone ports", "who_handles", "NPSC", ["877-910-0468"], []),
    ("att mcpsc number?", "who_handles", "MCPSC", ["877-681-2271"], []),
    ("is the qwest wshd open saturday at 10am mountain", "hours", "WSHD", [], [RENAMED]),
    ("who handles qwest process troubles", "who_handles", "CSIE", [], [RENAMED]),
    # Qwest's later names: answered from the Qwest source, saying it predates the rename
    ("centurylink wshd hours", "hours", "WSHD", ["Monday-Friday", RENAMED], []),
    ("lumen it ticket sev 2 how often do updates come", "escalation_status", "WSHD",
     ["every hour", RENAMED], []),
    ("who handles a centurylink process trouble", "who_handles", "CSIE", [RENAMED], []),
    ("lumen severity levels", "severity", "WSHD", ["Critical", RENAMED], []),
    ("century link help desk, who do i call for an IMA outage", "who_handles", "WSHD",
     [RENAMED], []),
    # the board of one carrier's centers
    ("which qwest centers are open right now", "board", None, ["WSHD", "Qwest centers"],
     ["LNPC", "ISCC"]),
    ("is anything open at lumen on sunday", "board", None, ["WSHD", RENAMED], ["ISCC"]),
    ("what at&t centers are open now", "board", None, ["LNPC", "AT&T centers"], ["WSHD"]),
    # a Qwest name with an AT&T center (or an AT&T code): the sources hold no such thing
    ("centurylink LSC phone", "not_covered", None, ["LSC is AT&T's"], ["800-"]),
    ("lumen csr reject code 002", "not_covered", None, ["AT&T's"], ["Not AT&T"]),
    ("qwest npsc hours", "not_covered", None, ["NPSC is AT&T's"], ["877-910-0468"]),
    ("qwest error code SF0101", "not_covered", None, ["MCPSC is AT&T's"], ["Super Fatal"]),
    # Qwest by name with another ladder's product: that ladder, then whose it is
    ("qwest csr late who now", "not_covered", None, ["CSR-CENTER is AT&T's"], ["WSHD update"]),
    ("lumen bvoip one way audio, who", "not_covered", None, ["BVOIP is AT&T's"], ["288-8362"]),
    # other carriers: no AT&T or Qwest answer because one word matched
    ("frontier LSC phone?", "not_covered", None, [COVER_ONLY, "Frontier"], ["800-"]),
    ("verizon ordering center hours", "not_covered", None, ["Verizon"], ["open now"]),
    ("windstream reject code 002", "not_covered", None, ["Windstream"], ["Not AT&T"]),
    ("who handles t-mobile port outs", "not_covered", None, ["T-Mobile"], ["877-"]),
    ("comcast business voip one way audio, what severity", "not_covered", None, ["Comcast"],
     ["Severity 1"]),
    ("is the spectrum help desk open right now", "not_covered", None, ["Charter"],
     ["Wholesale Systems Help Desk"]),
    ("cox trouble ticket escalation contacts", "not_covered", None, ["Cox"], []),
    ("brightspeed csr rejected with 001", "not_covered", None, ["Brightspeed"], ["Not Found"]),
    ("consolidated communications escalation matrix", "not_covered", None, ["Consolidated"], []),
    ("tds telecom ordering escalation who", "not_covered", None, ["TDS"], ["800-"]),
    ("cincinnati bell lnp coordinated cut", "not_covered", None, ["Cincinnati Bell"],
     ["866-791-0240"]),
    ("sprint sev 1 ticket how often do we get updates", "not_covered", None, ["Sprint"],
     ["hour"]),
    ("us cellular port escalation", "not_covered", None, ["US Cellular"], []),
    ("Verizon's NPSC, is it open?", "not_covered", None, ["Verizon"], ["877-910-0468"]),
    # another carrier as where a port comes from, with AT&T as the subject: answered
    ("customer porting from verizon to at&t, complex lnp, who coordinates", "who_handles",
     "LNPC", ["866-791-0240"], []),
    ("winback from frontier, porting to AT&T, voip coordinated cut, who", "who_handles", "LNPC",
     [], []),
    # a carrier's name typed with a typo is still that carrier (red team, H7)
    ("verizn lsc", "not_covered", None, ["Verizon"], ["800-"]),
    ("frontir port out escalation", "not_covered", None, ["Frontier"], []),
    ("centurylnk process tkt who", "who_handles", "CSIE", [RENAMED], []),
    # as Slack sends it: "AT&amp;T"
    ("verizon customer moving to AT&amp;T, who handles the port", "who_handles", "LNPC", [], []),
]  # fmt: skip


@pytest.mark.parametrize("question,intent,center,has,hasnt", CARRIERS,
                         ids=[r[0] for r in CARRIERS])  # fmt: skip
def test_carrier(ask, question, intent, center, has, hasnt):
    reply = _ask(ask, question)
    assert (reply["intent"], reply["center"]) == (intent, center), reply["text"]
    for word in has:
        assert word.lower() in reply["text"].lower(), word
    for word in hasnt:
        assert word.lower() not in _answer(reply), word


# Carrier words that are also plain English (readings.toml `ambiguous`): a carrier only in a
# carrier context (a carrier, product, center or order word within two words, or capitalized
# inside a sentence); otherwise the question is answered as if the word were not there
# columns: question, intent, center (None: not checked) -- both sides of each word
AMBIGUOUS_CARRIER_WORDS = [
    ("we had a sprint planning call, who handles ftp file transfer issues", "who_handles", "ISCC"),
    ("after the sprint review, is the npsc open", "hours", "NPSC"),
    ("who handles port outs to sprint", "not_covered", None),
    ("sprint port request rejected, who", "not_covered", None),
    ("Porting a customer to Sprint, who handles it", "not_covered", None),
    ("the team charter says escalate to the sr cam, who is our srcam", "who_handles", "SRCAM"),
    ("per our charter who handles collocation billing claims", "who_handles", "CSC"),
    ("charter lsr reject, who", "not_covered", None),
    ("Is Charter's LNP desk open", "not_covered", None),
    ("we use a spectrum analyzer on the circuit, no inbound calls on bvoip, who", "who_handles",
     "BVOIP"),
    ("is the spectrum help desk open right now", "not_covered", None),
    ("cox trouble ticket escalation contacts", "not_covered", None),
    ("port from Cox to AT&T, complex lnp coordinated cut, who", "who_handles", "LNPC"),
    ("the kinetic energy of this queue, who handles csr rejects", "who_handles", "CSR-CENTER"),
    ("kinetic port out escalation", "not_covered", None),
]  # fmt: skip


@pytest.mark.parametrize("question,intent,center", AMBIGUOUS_CARRIER_WORDS,
                         ids=[r[0] for r in AMBIGUOUS_CARRIER_WORDS])  # fmt: skip
def test_a_carrier_word_that_is_also_english_needs_a_carrier_context(ask, question, intent, center):
    reply = _ask(ask, question)
    assert reply["intent"] == intent, reply["text"]
    if center:
        assert reply["center"] == center, reply["text"]


def test_not_covered_says_what_the_sources_cover(ask):
    reply = _ask(ask, "frontier LSC phone?")
    assert reply["open"] is None and reply["when"] is None and not reply["contacts"]
    assert "LSC" in reply["text"] and "WSHD" in reply["text"]  # what is covered, by carrier


# --------------------------------------------------------------------------------------------
# The typo corrector corrects typos, never words: a token that is an English word (the
# shipped list, bot/knowledge/data/english_words.txt) is kept even when a word the bot knows
# is one letter away
# columns: typed, what the intents read (normalize), what the fact matcher reads
# --------------------------------------------------------------------------------------------

TYPOS = [
    # real words stay themselves
    ("created", "created", "created"),  # not "related"
    ("every", "every", "every"),  # not "never"
    ("other", "other", "other"),  # not "their"
    ("clecs", "clecs", "clec"),  # not "clecse"; the fact matcher drops a plural's s
    ("coming", "coming", "coming"),  # not "coding"
    ("form", "form", "form"),  # not "from"
    ("sporting", "sporting", "sporting"),
    # typos of words the bot knows are corrected
    ("hanldes", "handles", "handle"),
    ("clsoe", "close", "close"),
    ("satuday", "saturday", "satuday"),
    ("turnaroud", "turnaround", "turnaround"),
    ("escalte", "escalate", "escalate"),
    ("sevirity", "severity", "severity"),
    ("collocaton", "collocation", "collocation"),
    ("outbund", "outbound", "outbund"),  # a symptom's word
    ("retrun", "retrun", "return"),  # two swapped letters: the fact matcher's
]


@pytest.mark.parametrize("typed,read,folded", TYPOS, ids=[r[0] for r in TYPOS])
def test_typos_are_corrected_words_are_not(k, typed, read, folded):
    from bot.knowledge.facts import fold_question
    from bot.understanding import normalize

    assert normalize(k, typed) == read
    assert fold_question(k, typed).strip() == folded


def test_the_word_list_is_sorted_lower_case_words():
    """is_word() bisects the list: an unsorted edit would make words typos in silence."""
    from bot.knowledge.words import english_words, is_word

    words = english_words()
    assert list(words) == sorted(set(words)) and len(words) > 20_000
    assert all(w.isalpha() and w == w.lower() for w in words)
    assert is_word("created") and is_word("clecs") and not is_word("hanldes")


def test_no_common_word_is_corrected_into_another(k):
    """Every word of the shipped list of common words reads as itself."""
    from bot.knowledge.words import english_words
    from bot.understanding import normalize

    words = sorted(w for w in english_words() if w.isalpha() and len(w) >= 5)
    changed = [(w, r) for w in words if (r := normalize(k, w)) != w and " " not in r]
    assert changed == []


# --------------------------------------------------------------------------------------------
# Symptoms -> product and severity (reading 7; att-bvoip-escalation.txt "Escalation Severity
# Levels"; qwest-cmp-production-support.txt 12.5): THE severity whose words, definition,
# criteria and examples match, said with why
# columns: question, center, the severity's name in the reply
# --------------------------------------------------------------------------------------------

SEV = {
    ("bvoip", 1): "BVoIP Severity 1 (High)",
    ("bvoip", 2): "BVoIP Severity 2 (Medium)",
    ("qwest", 1): "Severity 1: Critical Impact",
    ("qwest", 2): "Severity 2: Serious Impact",
    ("qwest", 3): "Severity 3: Moderate Impact",
    ("qwest", 4): "Severity 4: Minimal Impact",
}

SYMPTOM_SEVERITY = [
    # BVoIP severity 1: "multiple users, who are unable to make outbound or inbound calls, are
    # experiencing one way audio or the entire site is down"
    ("what severity is one way audio?", "BVOIP", ("bvoip", 1)),
    ("callers can hear us but we cant hear them on flex reach, what sev", "BVOIP", ("bvoip", 1)),
    ("whole office can't make outbound calls, what severity", "BVOIP", ("bvoip", 1)),
    ("no inbound calls at our dallas location, what sev would that be", "BVOIP", ("bvoip", 1)),
    ("entire site is down on our ipfr service, severity?", "BVOIP", ("bvoip", 1)),
    ("customers can't call in to the main number, what severity is it", "BVOIP", ("bvoip", 1)),
    ("multiple users unable to receive calls on business voip, sev?", "BVOIP", ("bvoip", 1)),
    ("one-way audio on the aots ticket, which severity", "BVOIP", ("bvoip", 1)),
    # BVoIP severity 2: "latency, degraded performance, or certain aspects of the customer's
    # business operation are being negatively impacted"
    ("latency on the voip phones, what sev is that", "BVOIP", ("bvoip", 2)),
    ("choppy audio on ip flexible reach, what severity", "BVOIP", ("bvoip", 2)),
    ("flex reach calls keep dropping what sev", "BVOIP", ("bvoip", 2)),
    ("degraded call quality on bvoip, severity?", "BVOIP", ("bvoip", 2)),
    ("jitter on our business voip lines what severity", "BVOIP", ("bvoip", 2)),
    ("calls sound robotic and garbled, what sev", "BVOIP", ("bvoip", 2)),
    # Qwest severity 1: criteria and examples
    ("qwest ticket, IMA GUI down for all users, what severity?", "WSHD", ("qwest", 1)),
    ("qwest: a software defect in an edit prevents any orders from being submitted, what sev",
     "WSHD", ("qwest", 1)),
    ("major network backbone outage at qwest with no redundancy, severity?", "WSHD",
     ("qwest", 1)),
    ("we cannot submit any LSRs to qwest at all, what severity", "WSHD", ("qwest", 1)),
    ("qwest production cycle stopped and the batch commitment missed, sev?", "WSHD",
     ("qwest", 1)),
    ("environmental problems causing multiple system failures at qwest, which severity",
     "WSHD", ("qwest", 1)),
    # Qwest severity 2
    ("qwest IMA has serious slow response times, what severity", "WSHD", ("qwest", 2)),
    ("frequent intermittent logoffs from qwest IMA, what sev", "WSHD", ("qwest", 2)),
    ("CenturyLink IMA keeps logging us off, what sev is that", "WSHD", ("qwest", 2)),
    ("qwest: service order commitments delayed, what severity would that be", "WSHD",
     ("qwest", 2)),
    ("qwest component keeps failing, down for short periods, what sev", "WSHD", ("qwest", 2)),
    ("qwest says major access is down but a partial backup exists, severity?", "WSHD",
     ("qwest", 2)),
    # Qwest severity 3
    ("qwest hardware errors but nothing impacted so far, what sev", "WSHD", ("qwest", 3)),
    ("only a single clec device affected on qwest, what severity", "WSHD", ("qwest", 3)),
    ("qwest issue with minimal loss of functionality, sev?", "WSHD", ("qwest", 3)),
    # Qwest severity 4
    ("qwest system messages are misleading and confuse our reps, what severity", "WSHD",
     ("qwest", 4)),
    ("qwest software regularly has to be reset but keeps working, sev?", "WSHD", ("qwest", 4)),
    ("preventative maintenance request for qwest, what severity", "WSHD", ("qwest", 4)),
    ("cosmetic typo on a qwest screen, severity?", "WSHD", ("qwest", 4)),
    # the source's own lines, whatever the verb's ending ("submit" meets "submitted")
    ("no clec can submit orders to qwest, severity", "WSHD", ("qwest", 1)),
    # a word said in the negative is not said
    ("qwest ticket, not critical, just a misleading message, what severity", "WSHD", ("qwest", 4)),
    ("bvoip has no latency now but one way audio, sev?", "BVOIP", ("bvoip", 1)),
]  # fmt: skip


@pytest.mark.parametrize("question,center,severity", SYMPTOM_SEVERITY,
                         ids=[r[0] for r in SYMPTOM_SEVERITY])  # fmt: skip
def test_symptom_severity(ask, question, center, severity):
    reply = _ask(ask, question)
    assert (reply["intent"], reply["center"]) == ("severity", center), reply["text"]
    name = SEV[severity]
    assert name in reply["headline"], reply["headline"]
    assert "\u201c" in reply["headline"]  # quotes the source's own words for why
    others = [n for key, n in SEV.items() if key[0] == severity[0] and key != severity]
    assert not any(n in reply["text"] for n in others), reply["text"]  # THE severity, not all
    assert reply["sources"]


# A trouble outside a severity's definition (att_bvoip.toml `not_when`): BVoIP severity 1 is
# "any location with multiple users" or the entire site, so one user's trouble is not severity
# 1 by its words; the reply says why instead of picking it
# columns: question, intent, words the reply holds, words it must not hold
OUTSIDE_SCOPE = [
    ("one user can't make calls on flex reach, what sev", "severity", ['You said "one user"'],
     ["Severity 1 (High): you said"]),
    ("would a single phone down be sev 1 for bvoip", "severity",
     ["Not severity 1", '"single phone"'], ["Yes:"]),
    ("bvoip one user has one way audio since 10am who now", "escalation_status",
     ['"one user"', "Level 1: Tier 1 agents"], ["severity 1, reported"]),
    ("multiple users can't make calls on flex reach what sev", "severity",
     ["Severity 1 (High)"], ["not that severity by your words"]),
    ("would a total outage be sev 1 on bvoip", "severity", ["Yes: AT&T BVoIP Severity 1"], []),
    ("is a qwest outage affecting all clecs sev 1", "severity",
     ["Yes: Qwest IT trouble ticket Severity 1"], []),
    ("inbound calls fail at the dallas site, aots 5551234, reported 10:15, who now",
     "escalation_status", ["severity 1, reported"], []),
]  # fmt: skip


@pytest.mark.parametrize("question,intent,has,hasnt", OUTSIDE_SCOPE,
                         ids=[r[0] for r in OUTSIDE_SCOPE])  # fmt: skip
def test_a_trouble_outside_a_severity_definition_is_not_that_severity(
    ask, question, intent, has, hasnt
):
    reply = _ask(ask, question)
    assert reply["intent"] == intent, reply["text"]
    for word in has:
        assert word.lower() in reply["text"].lower(), word
    for word in hasnt:
        assert word.lower() not in reply["text"].lower(), word


def test_a_tracker_for_one_users_trouble_asks_the_severity(tmp_path):
    from bot.cli import track_one

    db = connect(str(tmp_path / "t.db"))
    reply = track_one("track one user can't make calls on flex reach since 10am aots 4444444",
                      TUE12, CT, "U1", db=db)  # fmt: skip
    assert "which is it?" in reply["text"] and '"one user"' in reply["text"], reply["text"]


SEVERITY_LISTS = [
    # nothing matched, or a comparison asked for: every severity of the ladder, no pick
    ("qwest severity levels pls", ["Critical", "Serious", "Moderate", "Minimal"]),
    # a ladder whose source gives no severity: said, with where severities exist
    ("what severity should my late csr be", ["no severity levels", "BVoIP: severities 1-2"]),
    ("what severity is a csie process ticket", ["no severity levels", "Critical"]),
    ("BVoIP severity 1 vs severity 2?", ["High", "Medium"]),
    ("what severity is my ticket at qwest", ["Critical", "Minimal"]),
]


@pytest.mark.parametrize("question,has", SEVERITY_LISTS, ids=[r[0] for r in SEVERITY_LISTS])
def test_severity_lists_when_nothing_picks_one(ask, question, has):
    reply = _ask(ask, question)
    assert reply["intent"] == "severity"
    for word in has:
        assert word in reply["text"]


SYMPTOM_PRODUCT = [
    # a BVoIP trouble said by its symptom or short name, no "BVoIP": the BVoIP ladder
    # columns: question, at, intent, words the reply holds
    ("no inbound calls at the main site, who do i call", TUE12, "who_handles", ["288-8362"]),
    ("choppy calls on ipfr", TUE12, "who_handles", ["288-8362"]),
    ("flex reach is down, who handles it", TUE12, "who_handles", ["288-8362"]),
    # one way audio = severity 1, from 9:00: levels at 10, 11, 12 -> level 4 due now
    ("one way audio on customer calls since 9am, who now", TUE12, "escalation_status",
     ["severity 1", "Director"]),
    # severity 1 from 11:30: level 1 (Tier 1) now, level 2 at 12:30
    ("customers can't call in since 11:30, who now", TUE12, "escalation_status",
     ["severity 1", "Level 2 (Team Manager) at"]),
    # choppy = severity 2, from 10:00: level 2 due at 12:00 (Team Lead)
    ("choppy calls since 10am, who next", "2026-12-01T12:30:00-06:00", "escalation_status",
     ["severity 2", "Team Lead"]),
    # EXAMPLES.md: multiple users can't make outbound calls = severity 1 by its definition
    ("multiple users cant make outbound calls on flexible reach since 10:30, no progress", TUE12,
     "escalation_status", ["severity 1", "level 2 (Team Manager) is due now",
                           "Level 3 (Customer Service Managers) at"]),
    ("AOTS ticket for one way audio, what info do i need to escalate", TUE12, "prepare",
     ["AOTS", "Trouble description"]),
]  # fmt: skip


@pytest.mark.parametrize("question,at,intent,has", SYMPTOM_PRODUCT,
                         ids=[r[0] for r in SYMPTOM_PRODUCT])  # fmt: skip
def test_symptom_names_the_product(ask, question, at, intent, has):
    reply = _ask(ask, question, at)
    assert (reply["intent"], reply["center"]) == (intent, "BVOIP"), reply["text"]
    for word in has:
        assert word.lower() in reply["text"].lower(), word


def test_a_routing_phrase_beats_a_symptom(ask):
    """Callers who cannot get through after a port are the LNP premature-disconnect list's."""
    reply = _ask(ask, "premature disconnect of a pending port, customers can't call in, who")
    assert reply["center"] != "BVOIP", reply["text"]


# --------------------------------------------------------------------------------------------
# Ids, counts and levels are not codes (issue 7: "numbers in a question are mistaken for
# reject codes"); a code the sources do not list is said to be unlisted
# columns: question, intent, words the reply holds, words it must not hold
# --------------------------------------------------------------------------------------------

ANY_INTENT = None
IDS_AND_CODES = [
    # numbers that are counts, levels, ids or prompts: never a reject code
    ("3 business days for a csr?", ANY_INTENT, [], ["reject code 003", "Incomplete"]),
    ("called the csr center 2 times no answer", ANY_INTENT, [], ["reject code 002"]),
    ("ticket 002345 status", ANY_INTENT, [], ["reject code 002"]),
    ("level 3 csr escalation contact", "who_handles", ["Anitra Warthon"], ["reject code"]),
    ("who is tier 2 for a qwest process trouble", "who_handles", ["Service Manager"],
     ["reject code"]),
    ("csr for btn 312-555-0002 is late, what do i need", "prepare", ["BTN"], ["reject code"]),
    ("pon 001 got rejected, who do i call", ANY_INTENT, [], ["reject code 001"]),
    ("called 3 times about the csr reject, who else", ANY_INTENT, [], ["reject code 003"]),
    ("iscc option 3 is busy", ANY_INTENT, [], ["reject code 003"]),
    ("bvoip prompt 1 goes nowhere, who now", ANY_INTENT, [], ["reject code 001"]),
    ("the csr has 20 pages, who do i ask", ANY_INTENT, [], ["reject code 020"]),
    ("aots 5551234 one way audio for 2 users", ANY_INTENT, [], ["reject code", "Super Fatal"]),
    ("room b 12 at the collocation, who", "who_handles", ["Collocation"], ["Super Fatal"]),
    ("escalated to level 2 at mcpsc already, what next", ANY_INTENT, [], ["reject code"]),
    ("e911 trunk planning for 2 trunks, who", "who_handles", [], ["reject code", "Super Fatal"]),
    ("error on my lsr submitted PT 10:30", ANY_INTENT, [], ["Super Fatal", "P10"]),
    # two letters that are also a state, a city, a title: a code only when said to be one
    ("who handles a port in pa", ANY_INTENT, [], ["Listing Error"]),
    ("got the same error 10 times on our lsr today, who", ANY_INTENT, [], ["error code 10"]),
    ("customer in sf has no inbound calls, who", "who_handles", ["288-8362"], ["Super Fatal"]),
    ("orders for sd customers, who handles", ANY_INTENT, [], ["Service Order Edit"]),
    ("email m36966@att.com about a collocation application", "who_handles", ["Collocation"],
     ["LASR", "Super Fatal"]),
    # codes said as codes: read as codes
    ("csr rejected with 003, sent ET 11:45", "code", ["Incomplete"], ["Super Fatal"]),
    ("is 002 a csr reject?", "code", ["Not AT&T"], []),
    ("reject 052 pages", "code", ["20 Pages"], []),  # "052" is written as a code, not a count
    ("reject code 2 on our csr", "code", ["Account Tel No. Not AT&T"], []),
    ("csr rejected with 501", "code", ["Contact Information"], []),
    ("what does reject 18 mean", "code", ["018"], []),
    ("what does error code SF0101 mean", "code", ["Super Fatal"], []),
    # codes the sources do not list: said so, with what they do list
    ("reject code 777 on our csr", "not_covered", ["777", "001"], ["Not AT&T"]),
    ("csr reject code 005?", "not_covered", ["005", "501"], []),
    ("error code XZ123, who do i call", "not_covered", ["XZ123", "SF"], ["MCPSC:"]),
    ("what does error 4040 mean", "not_covered", ["4040"], ["Super Fatal"]),
    ("qwest disposition code cancelled, what does it mean", "not_covered",
     ["CANCELLED", "No Trouble Found"], []),
    # red team (H7): digits glued to letters are no number of their own ("1P" is not 001);
    # any code with a digit the sources do not list is said to be unlisted, by its kind
    ("what does jep code 1P mean", "not_covered", ["JEP code 1P"], ["Account Tel"]),
    ("foc code 45", "not_covered", ["FOC code 45"], []),
    ("qwest code X12", "not_covered", ["Qwest code X12"], ["error code"]),
    ("qwest reject code 123", "not_covered", ["Qwest reject code 123", "No Trouble Found"],
     ["CSR reject"]),
    ("error 200 on the csr", "code", ["Duplicate"], []),  # a CSR's "error" is its reject
    ("PON 99887 REJ 501 on csr", "code", ["LOA Box"], []),
    # a CSR rejected is answered by its reject (correct and resubmit), not a due date
    ("csr btn 3125550100 submitted 11/30 2pm et and rejected 003, what now", "code",
     ["Incomplete", "resubmit"], ["the CSR is due"]),
]  # fmt: skip


@pytest.mark.parametrize("question,intent,has,hasnt", IDS_AND_CODES,
                         ids=[r[0] for r in IDS_AND_CODES])  # fmt: skip
def test_ids_and_codes(ask, question, intent, has, hasnt):
    reply = _ask(ask, question)
    if intent is not None:
        assert reply["intent"] == intent, reply["text"]
    else:
        assert reply["intent"] not in ("code", "not_covered"), reply["text"]
    for word in has:
        assert word.lower() in reply["text"].lower(), word
    for word in hasnt:
        assert word.lower() not in _answer(reply), word


def test_a_reminder_is_titled_by_what_it_is_about(tmp_path, k):
    from bot.cli import parse_at

    db = connect(str(tmp_path / "t.db"))
    said = respond("remind me in an hour about aots 3213213 one way audio",
                   at=parse_at(TUE12, CT), tz=CT, user="U1", db=db, k=k)  # fmt: skip
    assert said.data["kind"] == "custom", said.headline
    assert "Reminder: aots 3213213 one way audio" in said.headline


def test_a_code_asked_about_with_an_id_is_no_tracker(tmp_path, k):
    """ "PON 99887 REJ 501 on csr" names a ladder and carries an id, but asks about a code."""
    from bot.cli import parse_at

    db = connect(str(tmp_path / "t.db"))
    said = respond("PON 99887 REJ 501 on csr", at=parse_at(TUE12, CT), tz=CT, user="U1", db=db,
                   k=k)  # fmt: skip
    assert said.intent == "code", said.headline


# A phone number the sources list names its center (and region, when the number is the
# region's own); one two centers share needs the prompt that tells them apart
# columns: question, intent, center, region
PHONES = [
    ("called 800-357-5534 no answer, who else", "who_handles", "LSC", "southwest"),
    ("called 877-681-2271 option 3 twice, no answer, who else", "who_handles", "ISCC", None),
    ("called 877-681-2271 no answer", "unknown", None, None),  # ISCC's and MCPSC's: not said
    ("is 866-791-0240 open on saturday", "hours", "LNPC", None),
    ("(877) 288-8362 prompt 1 keeps us on hold", "who_handles", "BVOIP", None),
]


@pytest.mark.parametrize("question,intent,center,region", PHONES, ids=[r[0] for r in PHONES])
def test_a_phone_number_names_its_center(ask, question, intent, center, region):
    reply = _ask(ask, question)
    assert (reply["intent"], reply["center"], reply["region"]) == (intent, center, region), reply[
        "text"
    ]


# --------------------------------------------------------------------------------------------
# Filler words x ladders (reading 13): "remind me", "pls track", "keep an eye on", ... in
# front of an escalation that names a ladder start THAT ladder's tracker; a plain reminder
# only when no ladder is named (or the reminder's own time is still to come)
# columns: line (said Tue 12:00 CT), kind, first step's due time (CT)
# --------------------------------------------------------------------------------------------

CSR = "csr for BTN 312-555-0100 submitted 2026-11-30 11am ET"  # due Thu 12-03 11 am ET
BVOIP = "bvoip sev 1 trouble AOTS 1234567 reported at 11:30am"  # level 1 at 11:30
QWEST = "qwest sev 2 ticket 44556 opened at 11am"  # hourly in WSHD hours: 12:00 CT
CSIE = "csie process ticket 8899 opened at 10:30am"  # Tier 1's response by 12:30
FILLER_ROWS = [
    (f"remind me about the {CSR}", "csr", "2026-12-03T10:00:00-06:00"),
    (f"pls track {CSR}", "csr", "2026-12-03T10:00:00-06:00"),
    (f"can you keep an eye on a {CSR}", "csr", "2026-12-03T10:00:00-06:00"),
    (f"start a timer for the {CSR}", "csr", "2026-12-03T10:00:00-06:00"),
    (f"please track {BVOIP}", "bvoip", "2026-12-01T11:30:00-06:00"),
    (f"remind me about the {BVOIP}", "bvoip", "2026-12-01T11:30:00-06:00"),
    (f"can you watch {BVOIP}", "bvoip", "2026-12-01T11:30:00-06:00"),
    (f"keep an eye on my {BVOIP}", "bvoip", "2026-12-01T11:30:00-06:00"),
    ("pls track one way audio at the main office since 11:30, AOTS 7654321", "bvoip",
     "2026-12-01T11:30:00-06:00"),
    (f"watch {QWEST}", "qwest_it", "2026-12-01T12:00:00-06:00"),
    (f"follow up on {QWEST}", "qwest_it", "2026-12-01T12:00:00-06:00"),
    (f"remind me about {QWEST}", "qwest_it", "2026-12-01T12:00:00-06:00"),
    (f"please keep an eye on a {CSIE}", "qwest_process", "2026-12-01T12:30:00-06:00"),
    (f"follow up on {CSIE}", "qwest_process", "2026-12-01T12:30:00-06:00"),
    (f"can u track {BVOIP}", "bvoip", "2026-12-01T11:30:00-06:00"),
    (f"yo clecbot, pls watch {QWEST}", "qwest_it", "2026-12-01T12:00:00-06:00"),
    (f"Could you follow up on the {CSIE}?", "qwest_process", "2026-12-01T12:30:00-06:00"),
    # no ladder named, or the reminder's own time still to come: a plain reminder
    ("remind me in 2 hours to call the LSC about PON 12345", "custom",
     "2026-12-01T14:00:00-06:00"),
    ("pls remind me in 30 minutes to check the NPSC", "custom", "2026-12-01T12:30:00-06:00"),
    ("remind me in 3 hours to chase the csr for BTN 312-555-0100", "custom",
     "2026-12-01T15:00:00-06:00"),
]  # fmt: skip


@pytest.mark.parametrize("line,kind,first_due", FILLER_ROWS, ids=[r[0] for r in FILLER_ROWS])
def test_filler_words_start_the_named_ladder(tmp_path, k, line, kind, first_due):
    from bot.cli import parse_at
    from bot.reply import to_json

    db = connect(str(tmp_path / "t.db"))
    reply = to_json(respond(line, at=parse_at(TUE12, CT), tz=CT, user="U1", db=db, k=k))
    assert reply.get("kind") == kind, reply["text"]
    assert reply["steps"][0]["due_at"] == first_due


# --------------------------------------------------------------------------------------------
# The last nudge and levels already due (issue 7: "Level 4 ... at <time>" when level 4 is due)
# --------------------------------------------------------------------------------------------


def test_status_never_shows_a_due_level_as_upcoming(ask):
    # sev 1 from 8:45: level 4 due since 11:45; the last nudge at 12:45
    reply = _ask(ask, "sev1 bvoip reported at 8:45am, no progress, who now")
    assert "level 4 (Director) is due now" in reply["headline"]
    assert "Level 4 (Director) at" not in reply["text"]
    assert any(
        step.startswith("Last nudge: level 4's interval ends") for step in reply["next_steps"]
    )
    rows = {row["label"]: row["value"] for row in reply["rows"]}
    assert rows["Level 4: Director"].startswith("due now")
    assert rows["Level 2: Team Manager"].startswith("passed")


def test_a_tracker_made_late_says_which_level_is_due_now(tmp_path, k):
    from bot.cli import track_one

    db = connect(str(tmp_path / "t.db"))
    reply = track_one("bvoip sev 1 site down since 10:15am AOTS 1234567", TUE12, CT, "U1", db=db)
    # levels at 10:15, 11:15, 12:15, 13:15; last nudge 14:15: level 2 is due now
    assert "Level 2 (Team Manager) is due now" in reply["headline"], reply["text"]
    facts = {f["label"]: f["value"] for f in reply["facts"]}
    assert facts["Next"].startswith("Level 3")
    assert "Team Lead" in " ".join(reply["contacts"])
    late = track_one("bvoip sev 1 site down since 7am AOTS 7654321", TUE12, CT, "U1", db=db)
    facts = {f["label"]: f["value"] for f in late["facts"]}
    assert facts["Due now"].startswith("The last nudge"), late["text"]
    assert "Next" not in facts


# --------------------------------------------------------------------------------------------
# Generated from the data, for phrasings nobody wrote down: every carrier word of
# readings.toml in every kind of question, every BVoIP symptom of att_bvoip.toml, every count
# and level word in front of or after a number that is also a listed reject code
# --------------------------------------------------------------------------------------------

AT_T_CENTERS_AND_CODES = (
    "{w} LSC phone?",
    "{w} csr reject code 002",
    "is {w}'s npsc open right now",
    "{w} error code SF0101, who do i call",
    "{w} collocation application status",
)
AT_T_QUESTIONS = (*AT_T_CENTERS_AND_CODES, "who handles {w} port outs")
QWEST_QUESTIONS = (
    "{w} wshd hours",
    "who handles a {w} process trouble",
    "{w} severity 2 ticket, how often do updates come",
    "{w} it ticket severity levels",
)


def _carrier_cases(k, covers):
    return [(c, w) for c in k.carriers if c.covers == covers for w in c.words]


def test_every_uncovered_carrier_word_in_every_kind_of_question(ask, k):
    wrong = []
    for carrier, word in _carrier_cases(k, None):
        for template in AT_T_QUESTIONS + QWEST_QUESTIONS:
            reply = _ask(ask, template.format(w=word))
            if (
                reply["intent"] != "not_covered"
                or reply["center"]
                or carrier.name not in (reply["headline"])
            ):
                wrong.append((template.format(w=word), reply["intent"], reply["center"]))
    assert wrong == []


def test_every_renamed_qwest_word_answers_from_qwest_with_the_note(ask, k):
    wrong = []
    for carrier, word in _carrier_cases(k, "Qwest"):
        for template in QWEST_QUESTIONS:
            reply = _ask(ask, template.format(w=word))
            qwest = reply["center"] in ("WSHD", "CSIE")
            if not qwest or (carrier.note and RENAMED not in reply["text"]):
                wrong.append((template.format(w=word), reply["intent"], reply["center"]))
        for template in AT_T_CENTERS_AND_CODES:
            reply = _ask(ask, template.format(w=word))
            if reply["intent"] != "not_covered":
                wrong.append((template.format(w=word), reply["intent"], reply["center"]))
    assert wrong == []


SYMPTOM_QUESTIONS = (
    "{s}, what severity?",
    "{s} since 11:15, who now",
    "customer reports {s}, who do i call",
)


def test_every_bvoip_symptom_names_bvoip(ask, k):
    wrong = []
    for symptom in k.ladders["bvoip"].symptoms:
        for template in SYMPTOM_QUESTIONS:
            reply = _ask(ask, template.format(s=symptom))
            if reply["center"] != "BVOIP":
                wrong.append((template.format(s=symptom), reply["intent"], reply["center"]))
    assert wrong == []


def test_a_time_still_to_come_is_no_report_time(ask):
    reply = _ask(ask, "bvoip sev 1 at 9pm tonight who")
    assert "not reported yet" not in reply["text"], reply["text"]
    assert "escalate a level when its interval has passed" in reply["headline"]


def test_a_symptom_on_another_product_is_not_bvoip(ask, k):
    """The ladder's `symptoms_unless`: the same trouble on a ported, resale or loop line."""
    wrong = []
    for symptom in k.ladders["bvoip"].symptoms[:12]:
        for unless in ("after the port", "on a resale line", "since the lnp conversion"):
            reply = _ask(ask, f"{symptom} {unless}, who do i call")
            if reply["center"] == "BVOIP":
                wrong.append(f"{symptom} {unless}")
    assert wrong == []


COUNTS = ("business days", "days", "times", "hours", "hrs", "pages", "users", "orders", "calls")
BEFORE = ("level", "tier", "option", "prompt", "ticket", "pon", "sev", "lvl")


def test_counts_and_levels_are_never_reject_codes(ask, k):
    """ "3 business days", "level 2", "option 3" are not reject codes 003, 002, 003, even in a
    question about a CSR reject."""
    wrong = []
    numbers = sorted({c.code.lstrip("0") for c in k.codes if c.kind == "csr-reject"}, key=len)
    for n in numbers[:4]:  # 1, 2, 3, 4: the ones a count or a level can be
        lines = [f"csr rejected, waited {n} {unit}, who now" for unit in COUNTS]
        lines += [f"csr reject escalated to {word} {n}, what next" for word in BEFORE]
        for line in lines:
            reply = _ask(ask, line)
            if reply["intent"] == "code" or f"reject code {n.zfill(3)}" in _answer(reply):
                wrong.append(line)
    assert wrong == []


def test_a_ladder_read_from_a_symptom_says_so_first(ask):
    reply = _ask(ask, "customers can't call in since 11:30, who now")
    assert reply["facts"][0] == {
        "label": "Read as",
        "value": 'AT&T BVoIP (IP Flexible Reach) trouble, from "can not call in"',
    }
    assert "Read as" not in _ask(ask, "bvoip sev 1 reported at 11:30, who now")["text"]


def test_a_tracker_for_a_renamed_carrier_says_the_source_predates_the_rename(tmp_path):
    from bot.cli import track_one

    db = connect(str(tmp_path / "t.db"))
    reply = track_one("pls track lumen sev 2 ticket 4455 opened 11am", TUE12, CT, "U1", db=db)
    assert reply["kind"] == "qwest_it" and RENAMED in reply["text"]


def test_a_symptom_and_an_id_alone_do_not_start_a_tracker(tmp_path, k):
    """ "bvoip ... AOTS 1234567" names its ladder and starts one; a symptom with a ticket number
    and no "track" is answered, not tracked: the ladder was only read from the symptom."""
    from bot.cli import parse_at

    db = connect(str(tmp_path / "t.db"))
    said = respond("customers cant call in since 11:30, ticket 55661", at=parse_at(TUE12, CT),
                   tz=CT, user="U1", db=db, k=k)  # fmt: skip
    assert said.intent == "escalation_status"
    made = respond("track customers cant call in since 11:30, ticket 55661", at=parse_at(TUE12, CT),
                   tz=CT, user="U1", db=db, k=k)  # fmt: skip
    assert made.intent == "tracker" and made.data["kind"] == "bvoip"


STATED_VS_WORDS = [
    # the severity stated counts (reading 7); the words that say another are pointed out
    ("sev 2 bvoip site down since 9am who now", 'You said severity 2; "site down" is severity 1'),
    ("qwest sev 4 ticket, ima down for all users, how often do updates come",
     "You said severity 4;"),
]  # fmt: skip


@pytest.mark.parametrize("question,note", STATED_VS_WORDS, ids=[r[0] for r in STATED_VS_WORDS])
def test_a_stated_severity_the_words_contradict_is_kept_and_pointed_out(ask, question, note):
    reply = _ask(ask, question)
    assert note in reply["text"], reply["text"]
    assert f"severity {question.split('sev ')[1][0]}" in reply["headline"].lower()


def test_a_tracker_keeps_the_stated_severity_and_points_out_the_words(tmp_path):
    from bot.cli import track_one

    db = connect(str(tmp_path / "t.db"))
    reply = track_one("track bvoip sev 2 site down since 11am aots 556677", TUE12, CT, "U1", db=db)
    assert reply["severity"] == 2 and '"site down" is severity 1' in reply["text"]


# --------------------------------------------------------------------------------------------
# "escalated N to level L": a level the tracker's ladder does not have is refused, never
# clamped (issue 7: "to level 99999999999999999999999999" answered "Escalated to level 4")
# columns: tracker line, escalation said, what the reply says
# --------------------------------------------------------------------------------------------

LEVELS = [
    (CSR, "escalated 1 to level 99999999999999999999999999", "has levels 1-3, no level 999999..."),
    (CSR, "escalated 1 to level 0", "has levels 1-3, no level 0"),
    (CSR, "escalated 1 to level 4", "has levels 1-3, no level 4"),
    (CSR, "escalated 1 to lvl 2", "Escalated to level 2."),
    (BVOIP, "escalated 1 to level 5", "has levels 1-4, no level 5"),
    (BVOIP, "escalated 1 to level 4", "Escalated to level 4."),
    (CSIE, "escalated 1 to tier 6", "has levels 1-5, no level 6"),
    (CSIE, "escalated 1 to tier 5", "Escalated to level 5."),  # any tier at any time
    ("remind me in 2 hours to call the LSC", "escalated 1 to level 2", "has no escalation levels"),
]  # fmt: skip


@pytest.mark.parametrize("made,said,says", LEVELS, ids=[r[1] + " " + r[0] for r in LEVELS])
def test_a_level_the_ladder_does_not_have_is_refused(tmp_path, k, made, said, says):
    from bot.cli import parse_at

    db = connect(str(tmp_path / "t.db"))
    at = parse_at(TUE12, CT)
    assert respond(f"track {made}" if "remind" not in made else made, at=at, tz=CT, user="U1",
                   db=db, k=k).intent == "tracker"  # fmt: skip
    reply = respond(said, at=at, tz=CT, user="U1", db=db, k=k)
    assert says in reply.headline, reply.headline
    assert reply.intent == ("tracker" if says.startswith("Escalated") else "tracker_error")
