"""The glossary: one Danish word per concept, for every text a person reads (pages,
receipts, reminders, workbooks, exports). docs/glossary.md shows the same table.

Each term names the concept (in English, as the code does), the API code where there is one,
the Danish word (and its forms: definite, plural) and the synonyms that are retired: words
that once stood for the same concept and must not come back (tests/test_glossary.py looks for
them in the templates, receipts, reminders and export headers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    concept: str
    word: str  # the word as it stands in running text
    code: str | None = None  # the API's code, where the concept has one
    definite: str | None = None  # "planen"
    plural: str | None = None  # "planer"
    retired: tuple[str, ...] = ()  # synonyms no longer used for this concept

    @property
    def heading(self) -> str:
        """The word as it starts a heading or a cell: with a capital."""
        return self.word[:1].upper() + self.word[1:]


TERMS: dict[str, Term] = {
    t.concept: t
    for t in (
        Term("plan", "plan", "plan", "planen", "planer", ("resultatkontrakt",)),
        Term("draft plan", "kladde", "draft", "kladden", "kladder", ("udkast",)),
        Term("approved plan", "godkendt", "approved", "den godkendte plan", "godkendte planer"),
        Term("closed plan", "lukket", "closed", "den lukkede plan", "lukkede planer",
             ("afsluttet",)),
        Term("goal", "mål", "goal", "målet", "mål"),
        Term("withdrawn goal", "udgået", "withdrawn", "det udgåede mål", "udgåede mål",
             ("trukket tilbage",)),
        Term("indicator", "indikator", "indicator", "indikatoren", "indikatorer",
             ("måleparameter",)),
        Term("milestone", "milepæl", "milestone", "milepælen", "milepæle", ("delmål",)),
        Term("follow-up", "opfølgning", "followup", "opfølgningen", "opfølgninger",
             ("indberetning", "afrapportering", "statusrapport")),
        # the document the institution sends (the filled-in template, a CSV or JSON file,
        # or the form in the browser); the follow-up is what the service records from it
        Term("report", "rapport", None, "rapporten", "rapporter"),
        # a report typed into the dashboard's report page and saved, not yet sent; only the
        # institution sees it
        Term("report draft", "rapportkladde", "followup_draft", "rapportkladden",
             "rapportkladder"),
        Term("received follow-up", "modtaget", "received", "den modtagne opfølgning",
             "modtagne opfølgninger", ("indkommet",)),
        Term("accepted follow-up", "registreret", "accepted", "den registrerede opfølgning",
             "registrerede opfølgninger", ("godkendt opfølgning", "accepteret")),
        Term("rejected follow-up", "afvist", "rejected", "den afviste opfølgning",
             "afviste opfølgninger", ("underkendt",)),
        Term("superseded follow-up", "erstattet", "superseded", "den erstattede opfølgning",
             "erstattede opfølgninger", ("overskrevet",)),
        Term("receipt", "kvittering", None, "kvitteringen", "kvitteringer",
             ("bekræftelse", "kvitteringsmail")),
        Term("reminder", "påmindelse", "reminder", "påmindelsen", "påmindelser"),
        Term("overdue reminder", "rykker", "overdue", "rykkeren", "rykkere"),
        # the department's answer to a follow-up (DESIGN section 14), and the reminder to
        # the department of a report it has not answered
        Term("review", "gennemgang", "review", "gennemgangen", "gennemgange"),
        Term("acknowledged follow-up", "kvitteret", "acknowledged",
             "den kvitterede opfølgning", "kvitterede opfølgninger"),
        Term("returned follow-up", "sendt tilbage", "returned",
             "den tilbagesendte opfølgning", "tilbagesendte opfølgninger"),
        Term("resubmission", "ny opfølgning", "resubmission", "den nye opfølgning",
             "nye opfølgninger", ("genindsendelse",)),
        Term("conversation", "dialog", "conversation", "dialogen", "dialoger",
             ("korrespondance",)),
        Term("review reminder", "påmindelse om gennemgang", None,
             "påmindelsen om gennemgang", "påmindelser om gennemgang"),
        Term("reporting address", "indberetningsadresse", "reporting_address",
             "indberetningsadressen", "indberetningsadresser",
             ("afsenderadresse", "registrerede adresse")),
        Term("intake address", "modtageadresse", None, "modtageadressen", "modtageadresser",
             ("opfølgningsadresse", "indbakkeadresse")),
        Term("quarantine", "karantæne", "quarantined", "karantænen", None),
        Term("department", "departement", "department", "departementet", "departementer"),
        Term("institution", "institution", "institution", "institutionen", "institutioner"),
        Term("period", "periode", "period", "perioden", "perioder"),
        Term("status", "status", "status", "status", "statusser"),
        Term("finding", "fund", "finding", "fundet", "fund", ("bemærkning",)),
        Term("error", "fejl", "error", "fejlen", "fejl"),
        Term("warning", "advarsel", "warning", "advarslen", "advarsler"),
        Term("baseline", "udgangspunkt", "baseline", "udgangspunktet", "udgangspunkter",
             ("baseline", "basisværdi")),
        Term("target", "målværdi", "target", "målværdien", "målværdier", ("måltal",)),
        Term("deadline", "frist", "deadline", "fristen", "frister", ("deadline",)),
        Term("rule", "regel", "rule", "reglen", "regler"),
        # a goal's points where its ministry weighs goals, and the plan's share of them
        Term("weight", "vægtning", "weight", "vægtningen", "vægtninger"),
        Term("points", "point", None, "pointene", "point"),
        Term("attainment", "målopfyldelse", "attainment", "målopfyldelsen", None,
             ("målopnåelse",)),
        Term("change request", "ændringsanmodning", "change_request", "ændringsanmodningen",
             "ændringsanmodninger", ("ændringsønske",)),
    )
}


def word(concept: str) -> str:
    """The Danish word for ``concept`` (a key of :data:`TERMS`)."""
    return TERMS[concept].word


def heading(concept: str) -> str:
    return TERMS[concept].heading


#: every retired synonym → the concept whose word replaced it
RETIRED: dict[str, str] = {
    synonym: term.concept for term in TERMS.values() for synonym in term.retired
}

#: the statuses of a plan, of a goal, of a follow-up and of a mail in the intake, in the
#: glossary's words (the labels of service.web and service.exports draw on these)
PLAN_STATUS_WORDS = {c: TERMS[t].word for c, t in (
    ("draft", "draft plan"), ("approved", "approved plan"), ("closed", "closed plan"))}
GOAL_STATE_WORDS = {"active": "aktiv", "withdrawn": TERMS["withdrawn goal"].word}
FOLLOWUP_STATUS_WORDS = {c: TERMS[t].word for c, t in (
    ("accepted", "accepted follow-up"), ("rejected", "rejected follow-up"),
    ("superseded", "superseded follow-up"))}
#: the steps of a plan's conversation for a period (``service.domain.conversation``)
CONVERSATION_WORDS = {
    "report": f"{TERMS['follow-up'].heading} modtaget",
    "resubmission": f"{TERMS['resubmission'].heading} modtaget",
    "review": f"{TERMS['department'].definite.capitalize()}s svar",
}
#: the department's decisions, as they end "Departementets svar: …"
REVIEW_DECISION_WORDS = {"acknowledged": TERMS["acknowledged follow-up"].word,
                         "returned": f"{TERMS['returned follow-up'].word} til "
                                     f"{TERMS['institution'].definite}"}
#: how a report came in
CHANNEL_WORDS = {"email": "e-mail", "api": "API", "web": "formular i dashboardet",
                 "upload": "fil sendt via dashboardet"}
SEVERITY_WORDS = {"error": TERMS["error"].word, "warning": TERMS["warning"].word,
                  "info": "info"}
INTAKE_STATE_WORDS = {
    "received": f"{TERMS['received follow-up'].word}, ikke behandlet",
    "accepted": TERMS["accepted follow-up"].word,
    "rejected": TERMS["rejected follow-up"].word,
    "quarantined": f"i {TERMS['quarantine'].word}",
    "ignored": "ignoreret",
    "discarded": "kasseret",
}
