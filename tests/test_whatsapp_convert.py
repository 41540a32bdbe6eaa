"""Every dialog reply fits WhatsApp's limits (domain.md §7), whatever its text and
choices, and every choice stays reachable; webhook bodies either parse or are refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.whatsapp import convert
from bot.whatsapp.convert import MalformedWebhook
from tests.fakes import graph_api as wa

labels = st.text(min_size=1, max_size=80).filter(lambda s: s.strip() != "")
choices = st.lists(
    st.tuples(labels, st.text(alphabet="abcdefghij:@_-0123456789", min_size=1, max_size=60)),
    max_size=18,
    unique_by=lambda pair: pair[1],
)


def _markup(options: list[tuple[str, str]], ask_location: bool) -> str | None:
    if not options and not ask_location:
        return None
    entries = [{"label": label, "value": value} for label, value in options]
    return json.dumps({"choices": entries, "columns": 1, "ask_location": ask_location})


def _assert_within_limits(body: dict[str, Any]) -> None:
    if body["type"] == "text":
        assert len(body["text"]["body"]) <= convert.MAX_TEXT
        return
    interactive = body["interactive"]
    assert len(interactive["body"]["text"]) <= convert.INTERACTIVE_BODY
    action = interactive["action"]
    if interactive["type"] == "button":
        assert 1 <= len(action["buttons"]) <= 3
        assert all(len(b["reply"]["title"]) <= 20 for b in action["buttons"])
    else:
        rows = [row for section in action["sections"] for row in section["rows"]]
        assert 1 <= len(rows) <= 10 and len(action["button"]) <= 20
        assert all(len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)


@settings(max_examples=300, deadline=None)
@given(text=st.text(min_size=1, max_size=5000), options=choices, ask_location=st.booleans())
def test_every_reply_fits_and_every_choice_is_reachable(
    text: str, options: list[tuple[str, str]], ask_location: bool
) -> None:
    markup = _markup(options, ask_location)
    body = convert.body_for(text, markup, "id")
    _assert_within_limits(body)
    offered = dict((i, t) for t, i in wa.choices(body))
    numbered = convert.numbered_options(text, markup, "id")
    for number, (_, value) in enumerate(options, start=1):
        if value in offered:
            continue  # a button or list row carries the value itself
        assert convert.choice_by_number(str(number), numbered) == value


def test_skm_answers_fit_a_list_and_three_short_choices_are_buttons() -> None:
    skm = [("Tidak sesuai", "a"), ("Kurang sesuai", "b"), ("Sesuai", "c")]
    skm += [("Sangat sesuai", "d"), ("⬅️ Kembali", "e"), ("✖️ Batal", "f")]
    assert convert.body_for("(1/9) ...", _markup(skm, False), "id")["interactive"]["type"] == (
        "list"
    )
    short = [("👍 Sudah beres", "y"), ("👎 Belum beres", "n")]
    assert convert.body_for("Beres?", _markup(short, False), "id")["interactive"]["type"] == (
        "button"
    )


@given(text=st.text(max_size=3000))
def test_a_template_variable_has_no_new_lines_tabs_or_long_spaces(text: str) -> None:
    parameter = convert.template_body("sigap_pemberitahuan", "id", text)["template"]
    value = parameter["components"][0]["parameters"][0]["text"]
    assert "\n" not in value and "\t" not in value and "     " not in value
    assert len(value) <= convert.INTERACTIVE_BODY


@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_body_parses_or_is_refused_cleanly(body: bytes) -> None:
    try:
        events = convert.parse_webhook(body)
    except MalformedWebhook:
        return  # refused: the webhook answers 400 and nothing was stored
    assert all(isinstance(e, convert.InboundMessage | convert.StatusUpdate) for e in events)


@pytest.mark.parametrize(
    "broken",
    [
        {"entry": [{"changes": [{"value": {"statuses": [{"status": "read"}]}}]}]},
        {"entry": "x"},
        [],
    ],
)
def test_meta_shaped_but_incomplete_bodies_are_refused(broken: Any) -> None:
    with pytest.raises(MalformedWebhook):
        convert.parse_webhook(json.dumps(broken).encode())


def test_a_media_id_that_could_leave_the_media_folder_is_dropped() -> None:
    payload = wa.image("6281700000002", "../../etc/passwd")
    assert convert.parse_webhook(json.dumps(payload).encode()) == []


def test_one_bad_message_is_skipped_and_the_rest_of_the_batch_kept() -> None:
    payload = wa.text("6281700000003", "/start")
    value = payload["entry"][0]["changes"][0]["value"]
    value["messages"].insert(0, {"type": "text", "from": "6281700000004"})  # no id, no body
    (event,) = convert.parse_webhook(json.dumps(payload).encode())
    assert isinstance(event, convert.InboundMessage) and event.inbound.command == "start"


def test_a_person_who_hides_their_number_is_known_by_the_bsuid() -> None:
    payload = wa.text("6281700000001", "halo")
    message = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    del message["from"]
    payload["entry"][0]["changes"][0]["value"]["contacts"][0].pop("wa_id")
    (event,) = convert.parse_webhook(json.dumps(payload).encode())
    assert isinstance(event, convert.InboundMessage)
    assert event.user.user_id == event.user.chat_id == wa.bsuid("6281700000001")
    assert event.user.phone is None
    sent = convert.addressed(event.user.chat_id, convert.text_body("ok"))
    assert sent["recipient"] == wa.bsuid("6281700000001") and "to" not in sent
