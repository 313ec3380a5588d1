"""Structure checks of mapped resources: the full R4B parse once per shape, then leaf values.

Parsing a resource into its fhir.resources R4B model costs more than everything else a
mapping does. Whether that parse succeeds depends on two things only:

* the resource's *shape*: which keys each object has, which values are objects, lists or
  primitives of which Python type, and the ``resourceType`` of each (embedded) resource.
  Unknown keys, choice-type exclusivity (``value[x]``), required elements, nulls in lists
  and the model class chosen for a value are all decided by the shape;
* each primitive value, checked on its own against its FHIR primitive type (``code``,
  ``dateTime``, ``id``, ...).

So the first resource of a shape is parsed in full. If it passes, the shape's plan is kept:
the primitive type of each leaf, in walk order. A later resource of the same shape is then
checked leaf by leaf with pydantic validators of exactly those primitive annotations (the
same ones the model applies). Any leaf that fails, or a shape that cannot be planned, falls
back to the full parse, which raises the model's own ``ValidationError``. The fast path
therefore accepts only what the full parse accepts; ``tests/mappings/test_structure.py``
compares the two on mapped resources and on damaged copies of them.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from fhir.resources.R4B import get_fhir_model_class
from fhir_core.types import FhirBase, FhirElementOrResourceBase
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

__all__ = ["check_structure", "full_parse"]

#: Marks a list in a shape (a plain tuple of item shapes could be mistaken for a dict's).
_LIST = "[]"
#: Shapes kept; beyond this the cache starts afresh (shapes are few; this only bounds memory).
_MAX_SHAPES = 20_000
#: Valid values remembered per primitive type (codes, systems and references repeat a lot).
_MAX_VALUES = 100_000

Shape = tuple[Any, ...]


def full_parse(document: dict[str, Any]) -> Any:
    """The validated R4B model of a resource (raises ``ValidationError`` when it is invalid)."""
    return get_fhir_model_class(document["resourceType"]).model_validate(document)


def _shape(node: dict[str, Any], leaves: list[Any]) -> Shape:
    """The shape of an object; its primitive values are appended to ``leaves`` in walk order."""
    parts: list[Any] = []
    for key, value in node.items():
        kind = type(value)
        if kind is dict:
            parts.append((key, _shape(value, leaves)))
        elif kind is list:
            parts.append((key, _list_shape(value, leaves)))
        elif key == "resourceType":
            parts.append((key, value))  # chooses the model class: part of the shape
        else:
            parts.append((key, kind))
            leaves.append(value)
    return tuple(parts)


def _list_shape(items: list[Any], leaves: list[Any]) -> Shape:
    parts: list[Any] = [_LIST]
    for item in items:
        kind = type(item)
        if kind is dict:
            parts.append(_shape(item, leaves))
        elif kind is list:
            parts.append(_list_shape(item, leaves))
        else:
            parts.append(kind)
            leaves.append(item)
    return tuple(parts)


class _Leaf:
    """One FHIR primitive type's validator, and the values it has already accepted."""

    def __init__(self, annotation: Any) -> None:
        self.adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        #: Only strings are remembered: 1, 1.0 and True are equal as set members.
        self.valid: set[str] = set()

    def accepts(self, value: Any) -> bool:
        """Whether the model would accept this value for an element of this type."""
        if type(value) is str and value in self.valid:
            return True
        try:
            self.adapter.validate_python(value)
        except ValidationError:
            return False
        if type(value) is str:
            if len(self.valid) >= _MAX_VALUES:
                self.valid.clear()
            self.valid.add(value)
        return True


class StructureChecker:
    """Checks resources against the R4B models, parsing in full only once per shape."""

    def __init__(self) -> None:
        self.plans: dict[Shape, tuple[_Leaf, ...] | None] = {}
        self.leaf_types: dict[Any, _Leaf] = {}
        self.fields: dict[type, dict[str, FieldInfo]] = {}

    def check(self, document: dict[str, Any]) -> None:
        """Return if the resource is valid R4B; raise the model's ``ValidationError`` if not."""
        leaves: list[Any] = []
        shape = _shape(document, leaves)
        plan = self.plans.get(shape, ())
        if plan == ():  # a shape not seen yet
            full_parse(document)  # raises when invalid; then nothing is learned
            if len(self.plans) >= _MAX_SHAPES:
                self.plans.clear()
            self.plans[shape] = plan = self._plan(document)
        if plan is not None and all(
            leaf.accepts(value) for leaf, value in zip(plan, leaves, strict=True)
        ):
            return
        full_parse(document)

    def _plan(self, document: dict[str, Any]) -> tuple[_Leaf, ...] | None:
        """Each leaf's primitive type, in walk order; None when the shape cannot be planned."""
        out: list[_Leaf] = []
        model = get_fhir_model_class(document["resourceType"])
        return tuple(out) if self._plan_object(model, document, out) else None

    def _plan_object(self, model: type, node: dict[str, Any], out: list[_Leaf]) -> bool:
        fields = self._fields(model)
        for key, value in node.items():
            if key == "resourceType":
                continue
            field = fields.get(key)
            if field is None or field.metadata:
                return False  # unknown key or a constrained field: leave it to the full parse
            element = _element_type(field.annotation)
            if element is None:
                return False
            items = value if type(value) is list else [value]
            for item in items:
                if not self._plan_value(element, item, out):
                    return False
        return True

    def _plan_value(self, element: Any, item: Any, out: list[_Leaf]) -> bool:
        complex_type = isinstance(element, type) and issubclass(element, FhirBase)
        if type(item) is dict:
            if not complex_type:
                return False
            if issubclass(element, FhirElementOrResourceBase):  # any resource: by its type
                if "resourceType" not in item:
                    return False
                model: type = get_fhir_model_class(item["resourceType"])
            else:
                model = element.get_model_klass()
            return self._plan_object(model, item, out)
        if complex_type or type(item) is list:
            return False
        out.append(self._leaf(element))
        return True

    def _leaf(self, annotation: Any) -> _Leaf:
        leaf = self.leaf_types.get(annotation)
        if leaf is None:
            leaf = self.leaf_types[annotation] = _Leaf(annotation)
        return leaf

    def _fields(self, model: type) -> dict[str, FieldInfo]:
        """A model's fields by their JSON name (alias), and by attribute name as well."""
        fields = self.fields.get(model)
        if fields is None:
            declared: dict[str, FieldInfo] = model.model_fields  # type: ignore[attr-defined]
            fields = dict(declared)
            fields.update({f.alias: f for f in declared.values() if f.alias})
            self.fields[model] = fields
        return fields


def _element_type(annotation: Any) -> Any:
    """The type of one item of a field: Optional and List taken off; None if ambiguous."""
    for _ in range(5):
        origin = typing.get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                return None
            annotation = args[0]
        elif origin is list:
            (annotation,) = typing.get_args(annotation)
        else:
            return annotation
    return None


_checker = StructureChecker()


def check_structure(document: dict[str, Any]) -> None:
    """Raise the R4B model's ``ValidationError`` when the resource is not valid FHIR R4B."""
    _checker.check(document)
