"""prm.common.fastjson writes what json.dumps(..., separators=(",", ":")) would, for what the bulk writers send."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from prm.common import fastjson


def _reference(value) -> str:
    def default(item):
        if isinstance(item, Decimal):
            return str(item)
        if isinstance(item, date | datetime):
            return item.isoformat()
        raise TypeError

    return json.dumps(value, default=default, separators=(",", ":"), ensure_ascii=False)


@pytest.mark.parametrize("value", [
    [{"p": 1, "s": 55, "ps": None, "c": {"psat": {"value": 7.5, "points": 8.33, "detail": {"responses": 3}}},
      "r": True, "re": ["psat", "win_rate"]}],
    {"amount": Decimal("1234.50"), "tiny": Decimal("0.01"), "big": Decimal("123456789012.99")},
    {"day": date(2026, 11, 24), "at": datetime(2026, 11, 24, 18, 5, 7, 123456, tzinfo=UTC),
     "whole_second": datetime(2026, 11, 24, 18, 5, 7, tzinfo=UTC)},
    {"name": "Gold — 金", "quote": 'say "hi"\n', "empty": {}, "list": []},
])
def test_same_json_as_the_json_module(value):
    assert json.loads(fastjson.dumps(value)) == json.loads(_reference(value))
    assert fastjson.dumps(value) == _reference(value)


def test_keys_that_are_not_strings_become_strings_as_with_json():
    assert fastjson.dumps({1: "a", 2: ["b"]}) == json.dumps({1: "a", 2: ["b"]}, separators=(",", ":"))


def test_decimals_keep_their_exact_text():
    assert fastjson.dumps([Decimal("0.10"), Decimal("100000.00")]) == '["0.10","100000.00"]'


def test_what_json_cannot_hold_is_a_type_error():
    with pytest.raises(TypeError):
        fastjson.dumps({"model": object()})


def test_loads_reads_text_and_bytes():
    assert fastjson.loads('{"a": [1, 2.5, null]}') == {"a": [1, 2.5, None]}
    assert fastjson.loads(b'{"a": true}') == {"a": True}
