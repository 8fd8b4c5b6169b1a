"""More one-line conversations, written cold after the first tables passed: the phrasings
that broke the parser once (each row is a bug that was fixed). Asked Mon 2026-11-23 10:00 CT."""

from __future__ import annotations

import pytest

ROWS = [
    # question, intent, center, region, open, when (None: not checked), words in the text
    ("npsc?", "who_handles", "NPSC", None, True, None, ["877-910-0468"]),
    ("can i still reach the LNPC tonight at 11:30", "who_handles", "LNPC", None, True,
     "2026-11-23T23:30:00-06:00", []),
    ("yo is mcpsc up rn", "hours", "MCPSC", None, True, None, []),
    ("need to reset my password for toolbar", "who_handles", "ISCC", None, True, None, []),
    ("what is reject code 18", "code", "CSR-CENTER", None, None, None, ["018"]),
    ("501?", "code", "CSR-CENTER", None, None, None, ["LOA Box"]),
    ("is the se lsc open on christmas eve at 10am", "hours", "LSC", "southeast", True,
     "2026-12-24T10:00:00-06:00", []),
    ("is the se lsc open on christmas at 10am", "hours", "LSC", "southeast", False,
     "2026-12-25T10:00:00-06:00", ["Christmas"]),
    ("is there anyone at the lsc in the west at 4:45 pacific", "who_handles", "LSC", "west", True,
     "2026-11-23T18:45:00-06:00", []),
    ("order has FOC but not completed, due date tomorrow, escalate to who", "who_handles", "LSC",
     None, None, "2026-11-23T10:00:00-06:00", ["Provisioning"]),
    ("who is noriko wilson", "who_handles", "CSR-CENTER", None, None, None, ["(916) 974-8922"]),
    ("director level escalation for bvoip how", "who_handles", "BVOIP", None, True, None,
     ["Director", "8 h"]),
    ("qwest tier 3 who", "who_handles", "CSIE", None, None, None, ["Senior Service Manager"]),
    ("i want to escalate my qwest process ticket to the director", "who_handles", "CSIE", None,
     None, None, ["Service Center Director"]),
    ("who is the second point of contact for csr escalations", "who_handles", "CSR-CENTER", None,
     None, None, ["Noriko Wilson"]),
    ("our ftp file transfer to AT&T keeps failing", "who_handles", "ISCC", None, True, None, []),
    ("who helps with E911 trunk planning?", "who_handles", "LI-E911-SRCAM", None, None, None, []),
    ("whos the first point of contact for IF3002 errors", "who_handles", "MCPSC", None, True,
     None, ["Interface Edit"]),
    ("what is an I0123 error", "code", "MCPSC", None, True, None, ["Super Fatal"]),
    ("stand alone structure access agreement application, who do i call", "who_handles", "WSS",
     None, None, None, []),
    ("what does ntf mean", "code", "WSHD", None, None, None, ["No Trouble Found"]),
    ("REQTYP EB escalation who", "who_handles", None, None, None, None, ["PF Escalation Policy"]),
    ("whne does the lnpc clsoe tonite", "hours", "LNPC", None, True, None, ["12:00 AM"]),
    ("is npsc opne on satuday", "hours", "NPSC", None, False, None, []),
    ("tell me a joke", "unknown", None, None, None, None, []),
    # issue 7: carriers (reading 12), products by symptom, severities by definition, codes
    ("frontier LSC phone?", "not_covered", None, None, None, None, ["AT&T and Qwest only"]),
    ("lumen wshd hours", "hours", "WSHD", None, True, None, ["predates the rename"]),
    ("qwest lsc west phone", "not_covered", None, None, None, None, ["LSC is AT&T's"]),
    ("no inbound calls on flex reach, who do i call", "who_handles", "BVOIP", None, True, None,
     ["288-8362"]),
    ("what severity is one way audio?", "severity", "BVOIP", None, True, None,
     ["Severity 1 (High)"]),
    ("qwest ticket, IMA GUI down for all users, what severity?", "severity", "WSHD", None, True,
     None, ["Critical Impact"]),
    ("error code XZ123 who", "not_covered", None, None, None, None, ["XZ123", "LSOR"]),
    ("reject code 777 csr", "not_covered", None, None, None, None, ["777", "501"]),
    ("LSR rejected with 002, who", "not_covered", None, None, None, None, ["LSR reject code"]),
    ("qwest severity 2 vs 3", "severity", "WSHD", None, True, None, ["Serious", "Moderate"]),
    # red team (H7): each row was a wrong or non-answer before
    ("what other info do i need for a csr escalation", "prepare", "CSR-CENTER", None, None, None,
     ["BTN"]),
    ("what else do they need when i escalate bvoip", "prepare", "BVOIP", None, None, None,
     ["AOTS"]),
    ("our csr is 5 business days late", "escalation_status", "CSR-CENTER", None, None, None,
     ["3 business days"]),
    ("csr still not here after a week, escalate?", "escalation_status", "CSR-CENTER", None, None,
     None, ["4 business hours"]),
    # the level already tried is done: the next one is the answer
    ("escalated to level 2 on the csr, now what", "who_handles", "CSR-CENTER", None, None, None,
     ["After level 2 (Second Point of Contact), next", "Anitra Warthon"]),
    ("we escalated to the service center senior director at qwest and nothing, what now",
     "who_handles", "CSIE", None, None, None, ["last level", "names no one above"]),
    # porting FROM AT&T is no port to AT&T (the LNPC's): direction words keep their order
    ("porting from at&t, who handles", "unknown", None, None, None, None, []),
    ("verizon customer moving to AT&T, who handles the port", "who_handles", "LNPC", None, None,
     None, ["866-791-0240"]),
    # a "planning call" said in passing does not outweigh "ftp file transfer"
    ("we had a sprint planning call, who handles ftp file transfer issues", "who_handles",
     "ISCC", None, True, None, []),
    # a ladder and when it went in is that ladder's clock, read in the past (not next year's)
    ("csir went in 11/19 at 10:15am, when is the csr due", "escalation_status", "CSR-CENTER",
     None, None, None, ["Tue Nov 24", "counting from Thu Nov 19"]),
    # a date read as next year's names its year in the headline
    ("is the npsc open 11/20", "hours", "NPSC", None, False, None, ["Sat Nov 20, 2027"]),
]  # fmt: skip


@pytest.mark.parametrize("text,intent,center,region,is_open,when,words", ROWS,
                         ids=[r[0] for r in ROWS])  # fmt: skip
def test_phrasing(ask, text, intent, center, region, is_open, when, words):
    reply = ask(text)
    assert (reply["intent"], reply["center"], reply["region"]) == (intent, center, region)
    if is_open is not None:
        assert reply["open"] is is_open
    if when is not None:
        assert reply["when"] == when
    for word in words:
        assert word.lower() in reply["text"].lower(), word
