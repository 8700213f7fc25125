"""Unit tests of labelkit._models: strict structuring, wire names, the wire form.

The models here are small ones declared for the test, so each behaviour is
checked on its own, independently of any provider's models.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Mapping

import attrs
import pytest

from labelkit._errors import LabelkitError
from labelkit._logging import SecretRedactor
from labelkit._models import (
    Model,
    ResponseValidationError,
    Timestamps,
    WireEnum,
    shared_fields_last,
    structure,
    unstructure,
    wire,
)


class Color(WireEnum):
    RED = "red"
    DARK_BLUE = "dark-blue"


@attrs.define
class Point(Model):
    x: int
    y: int


@attrs.define
class Shape(Model):
    name: str
    points: list[Point]
    color: Color = Color.RED
    score: float | None = None
    note: str | None = None


@attrs.define
class CamelItem(Model):
    __wire_case__ = "camel"

    item_id: int
    created_at: str
    external_status: str | None = None
    # A per-field wire name wins over the class's case.
    kind: str = wire("__type", default="plain")


@attrs.define
class SnakeItem(Model):
    item_id: int
    label_name: str = wire("labelName", default="")


@attrs.define
class Flag(Model):
    on: bool
    count: int = 0


@attrs.define
class Holder(Model):
    shapes: list[Shape]
    tags: dict[str, int] = attrs.Factory(dict)


# --- strict structuring --------------------------------------------------------------


def test_a_valid_object_is_structured_into_typed_attributes() -> None:
    shape = structure(
        {"name": "tri", "points": [{"x": 1, "y": 2}], "color": "red", "score": 3}, Shape
    )
    assert shape.name == "tri"
    assert shape.points == [Point(1, 2)]
    assert shape.color is Color.RED
    # An int is accepted where a float belongs.
    assert shape.score == 3


def test_a_string_where_an_int_belongs_is_an_error_naming_the_path() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure({"name": "tri", "points": [{"x": 1, "y": 2}, {"x": "3", "y": 4}]}, Shape)
    assert info.value.path == "Shape.points[1].x"
    assert str(info.value).startswith("Shape.points[1].x: ")
    assert "expected int, got str" in str(info.value)


def test_a_string_is_never_coerced_into_a_number() -> None:
    with pytest.raises(ResponseValidationError, match="expected float or null, got str"):
        structure({"name": "n", "points": [], "score": "1.5"}, Shape)


def test_a_bool_is_not_an_int() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure({"x": True, "y": 0}, Point)
    assert info.value.path == "Point.x"
    assert "expected int, got bool" in str(info.value)


def test_an_int_is_not_a_bool() -> None:
    with pytest.raises(ResponseValidationError, match="expected bool, got int"):
        structure({"on": 1}, Flag)
    assert structure({"on": False}, Flag).on is False


def test_a_number_is_not_a_string() -> None:
    with pytest.raises(ResponseValidationError, match="expected str, got int"):
        structure({"name": 5, "points": []}, Shape)


def test_null_is_accepted_only_where_the_type_allows_it() -> None:
    assert structure({"name": "n", "points": [], "note": None}, Shape).note is None
    with pytest.raises(ResponseValidationError, match=r"^Shape\.name: "):
        structure({"name": None, "points": []}, Shape)


def test_a_missing_required_field_is_an_error() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure({"x": 1}, Point)
    assert "Point" in info.value.path


def test_a_non_object_where_a_model_belongs_is_an_error() -> None:
    with pytest.raises(ResponseValidationError, match="expected an object, got list"):
        structure([1, 2], Point)
    with pytest.raises(ResponseValidationError) as info:
        structure({"shapes": [{"name": "a", "points": ["p"]}]}, Holder)
    assert info.value.path == "Holder.shapes[0].points[0]"


def test_a_bad_dict_value_names_its_key() -> None:
    with pytest.raises(ResponseValidationError) as info:
        structure({"shapes": [], "tags": {"a": 1, "b": "two"}}, Holder)
    assert info.value.path == "Holder.tags['b']"


def test_response_validation_error_keeps_the_body_and_is_a_labelkit_error() -> None:
    body = {"x": "1", "y": 2}
    with pytest.raises(ResponseValidationError) as info:
        structure(body, Point)
    assert isinstance(info.value, LabelkitError)
    assert info.value.body == body
    assert isinstance(info.value.__cause__, Exception)


def test_response_validation_error_redacts_known_secrets() -> None:
    secret = "unit-models-Secret-0123"
    redactor = SecretRedactor([secret])
    error = ResponseValidationError(
        f"bad value {secret}", path=f"Op.{secret}", body={"echo": [secret]}
    )
    for text in (str(error), repr(error), error.path, json.dumps(error.body)):
        assert secret not in text
    assert error.body == {"echo": ["[redacted]"]}
    del redactor


# --- wire names ----------------------------------------------------------------------


def test_snake_case_is_the_default_wire_name() -> None:
    item = structure({"item_id": 1, "labelName": "cat"}, SnakeItem)
    assert item.item_id == 1
    assert item.label_name == "cat"
    assert item.to_dict() == {"item_id": 1, "labelName": "cat"}


def test_camel_case_wire_names() -> None:
    data = {"itemId": 7, "createdAt": "2024", "externalStatus": "done", "__type": "box"}
    item = structure(data, CamelItem)
    assert (item.item_id, item.created_at, item.external_status) == (7, "2024", "done")
    assert item.kind == "box"
    assert item.to_dict() == data
    assert item["externalStatus"] == "done"
    assert item["__type"] == "box"


def test_the_snake_name_is_not_read_from_the_wire_of_a_camel_model() -> None:
    # item_id sent in snake case is an unknown field there; itemId is then missing.
    with pytest.raises(ResponseValidationError):
        structure({"item_id": 7, "createdAt": "x"}, CamelItem)


# --- unknown and omitted fields ------------------------------------------------------


def test_unknown_fields_are_kept_in_extra_and_given_back() -> None:
    data = {"x": 1, "y": 2, "z": {"deep": [1, "a"]}, "label": None}
    point = structure(data, Point)
    assert point.extra == {"z": {"deep": [1, "a"]}, "label": None}
    assert point.to_dict() == data
    assert unstructure(point) == data


def test_unknown_fields_of_nested_models_are_kept() -> None:
    data = {"shapes": [{"name": "a", "points": [{"x": 1, "y": 2, "w": 9}], "new": True}]}
    holder = structure(data, Holder)
    assert holder.shapes[0].extra == {"new": True}
    assert holder.shapes[0].points[0].extra == {"w": 9}
    # tags was not sent, so it stays out of the wire form.
    assert holder.to_dict() == data


def test_fields_the_server_omitted_stay_omitted() -> None:
    shape = structure({"name": "a", "points": []}, Shape)
    assert shape.color is Color.RED and shape.score is None
    assert shape.to_dict() == {"name": "a", "points": []}
    assert "color" not in shape and "score" not in shape
    with pytest.raises(KeyError):
        shape["score"]


def test_an_omitted_field_set_since_is_in_the_wire_form() -> None:
    shape = structure({"name": "a", "points": []}, Shape)
    shape.score = 0.5
    assert shape.to_dict() == {"name": "a", "points": [], "score": 0.5}
    assert shape["score"] == 0.5


def test_a_field_sent_as_its_default_value_is_kept() -> None:
    data = {"name": "a", "points": [], "color": "red", "note": None}
    assert structure(data, Shape).to_dict() == data


def test_a_model_built_in_code_has_every_field_in_its_wire_form() -> None:
    shape = Shape(name="a", points=[Point(1, 2)])
    assert shape.to_dict() == {
        "name": "a",
        "points": [{"x": 1, "y": 2}],
        "color": "red",
        "score": None,
        "note": None,
    }


def test_extra_does_not_take_part_in_equality() -> None:
    assert structure({"x": 1, "y": 2, "z": 3}, Point) == Point(1, 2)


# --- WireEnum ------------------------------------------------------------------------


def test_a_known_enum_value_is_the_member() -> None:
    assert Color("dark-blue") is Color.DARK_BLUE
    assert str(Color.DARK_BLUE) == "dark-blue"
    assert Color.DARK_BLUE == "dark-blue"


def test_an_unknown_enum_value_is_a_pseudo_member_not_an_error() -> None:
    shape = structure({"name": "a", "points": [], "color": "ultra-violet"}, Shape)
    color = shape.color
    assert isinstance(color, Color)
    assert color.value == "ultra-violet"
    assert str(color) == "ultra-violet"
    assert color == "ultra-violet"
    assert color.name == "ULTRA_VIOLET"
    assert color not in (Color.RED, Color.DARK_BLUE)
    assert shape.to_dict()["color"] == "ultra-violet"
    assert shape["color"] == "ultra-violet"
    assert json.loads(shape.to_json())["color"] == "ultra-violet"


def test_an_enum_needs_a_string() -> None:
    with pytest.raises(ResponseValidationError, match="expected a Color string, got int"):
        structure({"name": "a", "points": [], "color": 3}, Shape)
    with pytest.raises(ValueError):
        Color(3)  # type: ignore[arg-type]


# --- the Mapping API -----------------------------------------------------------------


def _camel() -> CamelItem:
    return structure({"itemId": 7, "createdAt": "2024", "unknownThing": [1]}, CamelItem)


def test_a_model_is_a_read_only_mapping_by_wire_name() -> None:
    item = _camel()
    assert isinstance(item, Mapping)
    assert item["itemId"] == 7
    assert item["unknownThing"] == [1]
    with pytest.raises(KeyError):
        item["item_id"]  # the attribute name is not a wire name
    with pytest.raises(KeyError):
        item["externalStatus"]  # omitted by the server
    with pytest.raises(TypeError):
        item["itemId"] = 8  # type: ignore[index]


def test_get_in_keys_items_values_len_and_dict() -> None:
    item = _camel()
    expected = {"itemId": 7, "createdAt": "2024", "unknownThing": [1]}
    assert item.get("createdAt") == "2024"
    assert item.get("externalStatus") is None
    assert item.get("externalStatus", "dflt") == "dflt"
    assert "itemId" in item and "unknownThing" in item
    assert "item_id" not in item and "externalStatus" not in item and 5 not in item
    assert set(item.keys()) == set(expected)
    assert dict(item.items()) == expected
    assert sorted(map(str, item.values())) == sorted(map(str, expected.values()))
    assert len(item) == 3
    assert dict(item) == expected


def test_getitem_gives_the_wire_form_of_nested_values() -> None:
    shape = structure({"name": "a", "points": [{"x": 1, "y": 2, "q": 0}]}, Shape)
    assert shape["points"] == [{"x": 1, "y": 2, "q": 0}]
    holder = Holder(shapes=[shape])
    assert holder["shapes"][0]["points"][0] == {"x": 1, "y": 2, "q": 0}


def test_a_model_is_truthy_even_with_no_keys() -> None:
    @attrs.define
    class Empty(Model):
        pass

    empty = structure({}, Empty)
    assert len(empty) == 0
    assert bool(empty) is True
    assert bool(structure({"x": 0, "y": 0}, Point)) is True


def test_to_json_is_the_wire_form_as_json() -> None:
    shape = structure({"name": "ñ", "points": [], "color": "dark-blue", "new": 1}, Shape)
    text = shape.to_json()
    assert json.loads(text) == {"name": "ñ", "points": [], "color": "dark-blue", "new": 1}
    assert "ñ" in text  # not escaped
    assert shape.to_json(indent=2) == json.dumps(shape.to_dict(), indent=2, ensure_ascii=False)
    assert shape.as_dict() == shape.raw == shape.to_dict()


def test_to_dict_is_plain_json_data() -> None:
    shape = structure({"name": "a", "points": [{"x": 1, "y": 2}], "color": "red"}, Shape)
    data = shape.to_dict()
    assert type(data["color"]) is str
    assert type(data["points"][0]) is dict
    # A copy: changing it does not change the model.
    data["points"].append({"x": 0, "y": 0})
    assert len(shape.points) == 1


# --- round trip ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "data"),
    [
        (Point, {"x": -1, "y": 2**40}),
        (Shape, {"name": "s", "points": [], "color": "mauve", "score": 0.25, "new": 1}),
        (CamelItem, {"itemId": 1, "createdAt": "t", "externalStatus": None, "__type": "k"}),
        (Flag, {"on": True, "count": 0, "more": {"a": [None]}}),
        (Holder, {"shapes": [{"name": "a", "points": [{"x": 1, "y": 1}]}], "tags": {"k": 1}}),
    ],
)
def test_structure_then_unstructure_gives_back_what_was_sent(
    cls: type[Model], data: dict[str, typing.Any]
) -> None:
    obj = structure(data, cls)
    assert unstructure(obj) == data
    assert structure(unstructure(obj), cls) == obj
    assert json.loads(obj.to_json()) == data


@pytest.mark.parametrize(
    "value",
    [
        {"k": 1},
        1,
        "text",
        [1, 2],
        None,
    ],
)
def test_a_field_named_extra_on_the_wire_is_an_unknown_field(value: object) -> None:
    # ``extra`` is the model's own bookkeeping, not a wire field: whatever a server
    # sends under that name is kept like any other unknown field.
    data = {"name": "a", "points": [], "extra": value}
    shape = structure(data, Shape)
    assert shape.extra == {"extra": value}
    assert shape["extra"] == value
    assert shape.to_dict() == data


# --- field groups --------------------------------------------------------------------


@attrs.define(kw_only=True)
class Audit(Model):
    """A field group of the test: who, then when (the group's own order)."""

    user_name: str | None = None
    done_at: str | None = None


@attrs.define(field_transformer=shared_fields_last)
class Stamped(Timestamps):
    __wire_case__ = "camel"

    item_id: int
    label: str | None = None


@attrs.define
class AuditedJob(Audit):
    """A base with positional fields of its own over a group."""

    job_id: str
    state: str | None = None


@attrs.define(field_transformer=shared_fields_last)
class TrainingRun(AuditedJob):
    epochs: int | None = None


def test_a_field_group_comes_after_the_models_own_fields() -> None:
    # The server sends the group's fields last: the field order, the wire form, the mapping
    # order and the repr all keep them there, though attrs lists a base's fields first.
    sent = {"itemId": 1, "label": "a", "createdAt": "c", "updatedAt": "u"}
    item = structure({"probe": 0, **sent}, Stamped)
    assert [f.name for f in attrs.fields(Stamped) if not f.metadata.get("extra")] == [
        "item_id",
        "label",
        "created_at",
        "updated_at",
    ]
    assert list(item.to_dict()) == ["probe", *sent] and list(item) == ["probe", *sent]
    assert item.to_dict() == {"probe": 0, **sent} and item["createdAt"] == "c"
    assert repr(item) == "Stamped(item_id=1, label='a', created_at='c', updated_at='u')"
    assert structure(item.to_dict(), Stamped) == item


def test_a_field_group_is_keyword_only_and_positional_fields_keep_their_places() -> None:
    item = Stamped(1, "a", updated_at="u")
    assert (item.item_id, item.label, item.created_at, item.updated_at) == (1, "a", None, "u")
    with pytest.raises(TypeError):
        Stamped(1, "a", "c")  # type: ignore[arg-type]


def test_a_group_under_a_base_with_fields_goes_after_the_base_and_own_fields() -> None:
    sent = {"job_id": "j", "state": "done", "epochs": 3, "user_name": "n", "done_at": "d"}
    run = structure(sent, TrainingRun)
    assert list(run.to_dict()) == list(sent) and run.to_dict() == sent
    assert repr(run) == (
        "TrainingRun(job_id='j', state='done', epochs=3, user_name='n', done_at='d')"
    )
    assert TrainingRun("j", "s", 1, done_at="d").done_at == "d"


def test_a_field_the_server_left_out_of_a_group_stays_out() -> None:
    item = structure({"itemId": 1}, Stamped)
    assert item.to_dict() == {"itemId": 1} and "createdAt" not in item
    item.updated_at = "u"
    assert item.to_dict() == {"itemId": 1, "updatedAt": "u"}
