"""The survey's library rules: questions, launch, answers, response rates, close, compare.

Expected values are counted by hand from the 24-person organisation of conftest.py.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pandas as pd
import pytest

import groundswell as gs
from groundswell.errors import AnalysisError, ConfigError
from groundswell.ingest import survey as file_reader
from groundswell.privacy import SUPPRESSED
from groundswell.survey import comparison, model, questions, respond
from groundswell.survey.model import SurveyError
from groundswell.survey.respond import Nomination
from groundswell.web.errors import status_of
from tests.conftest import write_csv
from tests.survey.conftest import build, person, roster_no, token_of

BASE = "https://ona.example.com"


# -- questions ------------------------------------------------------------------------------
def test_default_questions_have_the_customary_wording() -> None:
    qs = questions.defaults()
    assert [q.slug for q in qs] == ["advice", "information", "trust", "energy", "collaboration"]
    assert qs[0].text == "Whom do you go to for advice on your work?"
    assert all(q.max_nominations == 10 and q.scale is None for q in qs)
    custom = questions.question("custom", "Whom do you ask about pricing?")
    assert (custom.slug, custom.layer) == ("whom_do_you_ask_about_pricing", "survey:"
                                          "whom_do_you_ask_about_pricing")  # fmt: skip


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"kind": "gossip"}, "question kind must be one of"),
        ({"kind": "custom"}, "needs its text"),
        ({"kind": "advice", "max_nominations": 0}, "max_nominations must be an integer from 1"),
        ({"kind": "advice", "scale": 1}, "scale must be an integer from 2 to 10"),
        ({"kind": "attribute", "text": "How connected?"}, "scale must be an integer from 2"),
        ({"kind": "advice", "slug": "Advice!"}, "perhaps 'advice'"),
        ({"kind": "advice", "colour": "red"}, "unknown field(s) ['colour']"),
    ],
)
def test_bad_questions_are_refused_with_a_clear_message(item: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=r"question 1: .*" + message.replace("(", r"\(")
                       .replace(")", r"\)").replace("[", r"\[").replace("]", r"\]")):  # fmt: skip
        questions.parse([item])


def test_questions_file_toml(tmp_path: Path) -> None:
    f = tmp_path / "q.toml"
    f.write_text(
        'name = "Pulse"\n[[questions]]\nkind = "advice"\nmax_nominations = 3\nscale = 5\n'
        '[[questions]]\nkind = "attribute"\ntext = "How connected do you feel?"\nscale = 4\n'
    )
    qs, options = questions.load(f)
    assert options == {"name": "Pulse"}
    assert (qs[0].max_nominations, qs[0].scale, qs[1].slug) == (3, 5, "how_connected_do_you_feel")
    f.write_text('[[questions]]\nkind = "advice"\n[[questions]]\nkind = "advice"\n')
    with pytest.raises(ConfigError, match="share the slug 'advice'"):
        questions.load(f)


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        (
            "q.json",
            b'{"questions": ' + b"[" * 5000 + b"]" * 5000 + b"}",
            "JSON: arrays or tables nested too deeply",
        ),
        (
            "q.toml",
            b"a = " + b"[" * 3000 + b"]" * 3000 + b"\n",
            "TOML: arrays or tables nested too deeply",
        ),
        ("q.toml", b'name = "Pulse \xff"\n', r"TOML: not UTF-8 text \(line 1: byte 0xff\)"),
        ("q.json", b'{"name": "Gr\xfc\xdfe"}', r"JSON: not UTF-8 text \(line 1: byte 0xfc\)"),
    ],
)
def test_questions_file_that_cannot_be_read_is_named(tmp_path: Path, name, content, match) -> None:
    """Nested deeper than Python's readers go, or not UTF-8: one error naming the file (a
    RecursionError's or a UnicodeDecodeError's traceback reached the user)."""
    f = tmp_path / name
    f.write_bytes(content)
    with pytest.raises(ConfigError, match=f"{name}: not valid {match}"):
        questions.load(f)


# -- create and launch ----------------------------------------------------------------------
def test_launch_invites_the_employed_roster_and_stores_only_hashes(org, tmp_path) -> None:
    with org.open() as ws:
        s = model.create(ws, "Spring")
        assert s.status == "draft"
        links = model.launch(ws, s, base_url=BASE + "/")
        assert len(links) == 24  # 25 in the HR file, one left in 2021
        assert person(ws, "E25") not in {k.person_id for k in links}
        assert all(k.url.startswith(BASE + "/s/") for k in links)
        tokens = [token_of(k.url) for k in links]
        assert len(set(tokens)) == 24 and all(len(t) == 43 for t in tokens)  # 256 bits
        stored = {r[0] for r in ws.con.execute("SELECT token_hash FROM survey_links").fetchall()}
        assert stored == {hashlib.sha256(t.encode()).hexdigest() for t in tokens}
        dump = (
            ws.query("SELECT * FROM survey_links").to_string()
            + ws.query("SELECT * FROM survey_invitations").to_string()
        )
        assert not any(t in dump for t in tokens)
        nos = ws.query("SELECT roster_no FROM survey_invitations")["roster_no"]
        assert sorted(nos) == list(range(1, 25))
        csv = model.write_links(links, tmp_path / "links.csv")
        assert csv.stat().st_mode & 0o777 == 0o600
        assert list(pd.read_csv(csv)["url"]) == [k.url for k in links]
        with pytest.raises(SurveyError, match="only a draft can be launched"):
            model.launch(ws, s, base_url=BASE)
        with pytest.raises(ConfigError, match="base URL must be"):
            model.launch(ws, model.create(ws, "Other"), base_url="ona.example.com")


def test_launch_refuses_a_workspace_without_names(tmp_path) -> None:
    folder = build(tmp_path / "pseudo", ["Eng"] * 6, identified=False)
    with gs.open(folder) as ws:
        s = model.create(ws, "Spring")
        with pytest.raises(SurveyError, match=r"none of the 6 people.*has a display name"):
            model.launch(ws, s, base_url=BASE)
        assert model.get(ws, s).status == "draft"


def test_create_validates_name_and_needs_a_nomination_question(org) -> None:
    with org.open() as ws:
        model.create(ws, "Spring")
        with pytest.raises(ConfigError, match="already exists"):
            model.create(ws, " Spring ")
        attr = questions.question("attribute", "How connected?", scale=5)
        with pytest.raises(ConfigError, match="at least one nomination question"):
            model.create(ws, "Attrs only", [attr])


# -- answering ------------------------------------------------------------------------------
@pytest.fixture
def launched(org):
    ws = org.open()
    qs = [
        questions.question("advice", max_nominations=2, scale=5),
        questions.question("trust"),
        questions.question("attribute", "How connected do you feel?", scale=4),
    ]
    s = model.create(ws, "Spring", qs)
    links = {ws_id: k for k in model.launch(ws, s, base_url=BASE) for ws_id in [k.person_id]}
    yield ws, s, links
    ws.close()


def _who(ws, links, eid):
    return respond.resolve(ws, token_of(links[person(ws, eid)].url))


def test_a_link_answers_for_its_own_respondent_only(launched) -> None:
    ws, s, links = launched
    a = _who(ws, links, "E01")
    assert a.person_id == person(ws, "E01")
    respond.save(ws, a, "advice", nominees=[Nomination(roster_no(ws, s.survey_id, "E02"), 4)])
    rows = ws.query("SELECT person_id, nominee_id, strength FROM survey_responses")
    assert rows.values.tolist() == [[person(ws, "E01"), person(ws, "E02"), 4.0]]
    assert respond.resolve(ws, "x" * 43) is None and respond.resolve(ws, "") is None
    # the search never offers the respondent themself and reveals only numbers and names
    found = respond.search(ws, a, "e0")
    assert "Ada E01" not in [f["name"] for f in found] and set(found[0]) == {"id", "name"}
    assert respond.search(ws, a, "e") == []  # too short


@pytest.mark.parametrize(
    ("noms", "message"),
    [
        (lambda n: [Nomination(n("E02"), 3), Nomination(n("E02"), 3)], "the same colleague twice"),
        (lambda n: [Nomination(n(e), 3) for e in ("E02", "E03", "E04")], "name at most 2"),
        (lambda n: [Nomination(n("E01"), 3)], "not yourself"),
        (lambda n: [Nomination(999, 3)], "not in this survey's list of colleagues"),
        (lambda n: [Nomination(n("E02"))], "choose how strongly for each colleague, from 1 to 5"),
        (lambda n: [Nomination(n("E02"), 6)], "from 1 to 5"),
    ],
)
def test_invalid_nominations_are_refused(launched, noms, message) -> None:
    ws, s, links = launched
    a = _who(ws, links, "E01")
    with pytest.raises(SurveyError, match=message) as err:
        respond.save(ws, a, "advice", nominees=noms(lambda e: roster_no(ws, s.survey_id, e)))
    assert status_of(err.value) == 422  # the web layer's answer
    assert ws.query("SELECT count(*) AS n FROM survey_responses")["n"][0] == 0


def test_no_strength_on_a_question_without_scale_and_values_in_range(launched) -> None:
    ws, s, links = launched
    a = _who(ws, links, "E01")
    with pytest.raises(SurveyError, match="has no strength"):
        respond.save(ws, a, "trust", nominees=[Nomination(roster_no(ws, s.survey_id, "E02"), 3)])
    with pytest.raises(SurveyError, match="from 1 to 4"):
        respond.save(ws, a, "how_connected_do_you_feel", value=5)
    respond.save(ws, a, "how_connected_do_you_feel", value=3)
    assert respond.state(ws, a)["how_connected_do_you_feel"]["value"] == 3


def test_a_leaver_cannot_be_named(launched) -> None:
    ws, _s, links = launched
    a = _who(ws, links, "E01")
    assert respond.search(ws, a, "Gone") == []


def test_submit_then_change_until_closed_then_nothing(launched) -> None:
    ws, s, links = launched
    n = lambda e: roster_no(ws, s.survey_id, e)  # noqa: E731
    a = _who(ws, links, "E01")
    respond.submit(ws, a, {"advice": [Nomination(n("E02"), 5)], "trust": []}, {})
    respond.submit(ws, a, {"advice": [Nomination(n("E03"), 2)]}, {})  # a change
    rows = ws.query("SELECT nominee_id, strength FROM survey_responses")
    assert rows.values.tolist() == [[person(ws, "E03"), 2.0]]
    assert _who(ws, links, "E01").submitted
    model.close(ws, s)
    with pytest.raises(SurveyError, match="closed") as err:
        respond.save(ws, a, "advice", nominees=[])
    assert status_of(err.value) == 409
    with pytest.raises(SurveyError, match="closed"):
        respond.submit(ws, a, {"advice": []}, {})
    assert ws.query("SELECT count(*) AS n FROM survey_responses")["n"][0] == 1


def test_anonymous_attributes_keep_no_respondent_and_are_given_once(org) -> None:
    with org.open() as ws:
        qs = [questions.question("advice"), questions.question("attribute", "Mood?", scale=5)]
        s = model.create(ws, "Anon", qs, anonymous_attributes=True)
        links = {k.person_id: k for k in model.launch(ws, s, base_url=BASE)}
        a = _who(ws, links, "E01")
        with pytest.raises(SurveyError, match="recorded only when you submit"):
            respond.save(ws, a, "mood", value=4)
        respond.submit(ws, a, {}, {"mood": 4})
        respond.submit(ws, _who(ws, links, "E01"), {}, {"mood": 1})  # ignored: given once
        rows = ws.query("SELECT * FROM survey_attribute_answers")
        assert rows[["slug", "value"]].values.tolist() == [["mood", 4]]
        assert rows["person_id"].isna().all() and rows["answered_at"].isna().all()


# -- following the survey -------------------------------------------------------------------
def _submit(ws, s, links, eids):
    for e in eids:
        respond.submit(ws, _who(ws, links, e), {}, {})


def test_response_rate_overall_and_by_department_with_suppression(launched) -> None:
    ws, s, links = launched
    # Eng E01-E10, Sales E11-E18, Legal E19-E21, Ops E22-E24
    _submit(ws, s, links, ["E01", "E02", "E03", "E11", "E19"])
    rate = model.response_rate(ws, s)
    assert (rate["invited"], rate["submitted"]) == (24, 5)
    assert rate["rate"] == pytest.approx(5 / 24)
    by = {d["department"]: d for d in rate["departments"]}
    assert by["Eng"]["submitted"] == 3 and by["Eng"]["rate"] == pytest.approx(0.3)
    assert by["Sales"]["submitted"] == 1 and by["Sales"]["invited"] == 8
    # Legal (3) and Ops (3) are below 5; together 6, so nothing else needs hiding
    assert set(by) == {"Eng", "Sales", SUPPRESSED}
    assert by[SUPPRESSED]["submitted"] is None and by[SUPPRESSED]["rate"] is None


def test_secondary_suppression_when_one_small_group_could_be_recovered(tmp_path) -> None:
    folder = build(tmp_path / "ws2", ["Eng"] * 6 + ["Sales"] * 5 + ["Legal"] * 2)
    with gs.open(folder) as ws:
        s = model.create(ws, "S")
        model.launch(ws, s, base_url=BASE)
        rate = model.response_rate(ws, s)
        # Legal (2) alone would be total - Eng - Sales: the smallest other group (Sales) goes too
        assert [d["department"] for d in rate["departments"]] == ["Eng", SUPPRESSED]
        assert rate["invited"] == 13


def test_nonrespondents_and_reminders(launched) -> None:
    ws, s, links = launched
    _submit(ws, s, links, ["E01"])
    respond.save(ws, _who(ws, links, "E02"), "trust", nominees=[])
    missing = model.nonrespondents(ws, s)
    assert len(missing) == 23 and person(ws, "E01") not in set(missing["person_id"])
    assert bool(missing.set_index("person_id").at[person(ws, "E02"), "started"])
    fresh = model.remind(ws, s, base_url=BASE)
    assert len(fresh) == 23
    assert len(model.remind(ws, s, base_url=BASE, include_started=False)) == 22
    again = respond.resolve(ws, token_of(fresh[0].url))
    old = respond.resolve(ws, token_of(links[fresh[0].person_id].url))
    assert again.person_id == old.person_id == fresh[0].person_id  # both links work


# -- close ----------------------------------------------------------------------------------
ANSWERS = [  # respondent, nominee, question, strength
    ("E01", "E02", "advice", 5),
    ("E01", "E03", "advice", 2),
    ("E01", "E02", "trust", None),
    ("E04", "E01", "advice", 1),
    ("E11", "E19", "trust", None),
]


def _answer_all(ws, s, links) -> None:
    n = lambda e: roster_no(ws, s.survey_id, e)  # noqa: E731
    by: dict[str, dict[str, list[Nomination]]] = {}
    for r, nominee, q, st in ANSWERS:
        by.setdefault(r, {}).setdefault(q, []).append(Nomination(n(nominee), st))
    for r, noms in by.items():
        respond.submit(ws, _who(ws, links, r), noms, {})


def _rows(ws) -> tuple[set, set]:
    inter = ws.query("SELECT * FROM interactions")
    msgs = ws.query("SELECT * FROM messages")
    i = {tuple(r) for r in inter.drop(columns=["message_id", "source_id"]).itertuples(index=False)}
    m = {tuple(r) for r in msgs.drop(columns=["message_id", "source_id"]).itertuples(index=False)}
    return i, m


def test_close_equals_ingesting_the_same_answers_as_a_file(launched, tmp_path) -> None:
    ws, s, links = launched
    _answer_all(ws, s, links)
    ws.close()
    twin = tmp_path / "twin"
    shutil.copytree(ws.folder, twin)  # same key: the same pseudonyms
    (twin / "secret.key").chmod(0o600)
    with gs.open(ws.folder) as a:
        summary = model.close(a, s)
        assert (summary.messages, summary.interactions) == (5, 5)
        closed = _rows(a)
        stamps = dict(
            a.con.execute(
                "SELECT person_id || slug || nominee_id, answered_at FROM survey_responses"
            ).fetchall()
        )
    with gs.open(twin) as b:
        p = b.pseudonymiser.person
        rows = [
            [r, nm, q, "" if st is None else st, stamps[p(r) + q + p(nm)].isoformat()]
            for r, nm, q, st in ANSWERS
        ]
        header = ["respondent", "nominee", "question", "strength", "timestamp"]
        f = write_csv(tmp_path / "answers.csv", header, rows)
        file_reader.ingest(b, f)
        assert _rows(b) == closed
    assert {row[3] for row in closed[0]} == {"survey:advice", "survey:trust"}


def test_close_is_idempotent(launched) -> None:
    ws, s, links = launched
    _answer_all(ws, s, links)
    first = model.close(ws, s)
    before = ws.query("SELECT count(*) AS n FROM interactions")["n"][0]
    second = model.close(ws, s)
    assert second.already_ingested and second.source_id == first.source_id
    assert ws.query("SELECT count(*) AS n FROM interactions")["n"][0] == before == 5
    assert model.get(ws, s).source_id == first.source_id
    with pytest.raises(SurveyError, match="never launched"):
        model.close(ws, model.create(ws, "Draft"))


# -- compare --------------------------------------------------------------------------------
def test_compare_jaccard_and_hidden_people(launched, events_file) -> None:
    ws, s, links = launched
    _answer_all(ws, s, links)
    # digital: E01 -> E02 (shared with advice and trust), E01 -> E05 (digital only),
    # E04 -> E05: two replies each, inside March 2024
    rows = []
    for a, t in [("E01", "E02"), ("E01", "E05"), ("E04", "E05")]:
        for day in (4, 5):
            rows.append([f"e{a[1:]}@x.com", f"e{t[1:]}@x.com", f"2024-03-{day:02d}T10:00:00", "dm"])
    ws.ingest_events(events_file(rows))
    with pytest.raises(AnalysisError, match="close it first"):
        comparison.compare(ws, s)
    model.close(ws, s)
    result = comparison.compare(ws, s, window="2024-03-01:2024-03-31")
    ov = result.overlap.set_index("layer")
    # respondents E01, E04, E11. advice: E01->E02, E01->E03, E04->E01; digital (from
    # respondents): E01->E02, E01->E05, E04->E05. Shared 1 of 5 distinct ties.
    assert ov.at["survey:advice", "shared"] == 1
    assert ov.at["survey:advice", "jaccard"] == pytest.approx(1 / 5)
    # trust: E01->E02, E11->E19 against the same three: shared 1 of 4
    assert ov.at["survey:trust", "jaccard"] == pytest.approx(1 / 4)
    assert ov.at["survey:advice", "jaccard_undirected"] == pytest.approx(1 / 5)
    hidden = result.hidden
    # E05 is named by two people digitally and by nobody in the survey
    e05 = hidden[(hidden["person_id"] == person(ws, "E05")) & (hidden["layer"] == "survey:advice")]
    assert e05[["influential_in", "invisible_in", "reason"]].values.tolist() == [
        ["digital", "survey:advice", "absent"]
    ]
    assert set(hidden["department"]) <= {"Eng", "Sales", SUPPRESSED}
    # the report of a run over the same month shows the comparison as a finding
    run = ws.analyze("2024-03-01:2024-03-31")
    stored = {r["layer"]: r["jaccard"] for r in run.findings()["survey"]["overlap"]}
    assert stored["survey:advice"] == pytest.approx(1 / 5)  # stored with the run, read later
    html = ws.report(ws.folder / "r.html", run_id=run.run_id).read_text()
    assert '<section id="survey">' in html and "0.20" in html and "0.25" in html
    assert "absent" in html


def test_jaccard_oracle() -> None:
    import numpy as np

    assert comparison.jaccard(np.array([1, 2, 3]), np.array([2, 3, 4, 5])) == pytest.approx(2 / 5)
    assert np.isnan(comparison.jaccard(np.array([]), np.array([])))
