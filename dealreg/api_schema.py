"""A choice field whose OpenAPI enum has a fixed component name.

drf-spectacular names enums by field name ("status", "role") and warns when one name covers several choice
sets used in several components (deals, participants and members all have a "status" or a "role"). The
schema must build without warnings (tests/api/test_schema.py), so the deal participant fields name their
enums here, next to the fields, instead of in the project-wide ENUM_NAME_OVERRIDES.
"""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from rest_framework import serializers


class NamedChoiceField(serializers.ChoiceField):
    def __init__(self, *args, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(*args, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        field = self.target
        schema = {key: value for key, value in build_choice_field(field).items() if key in ("type", "enum")}
        schema["enum"] = [choice for choice in schema["enum"] if choice not in ("", None)]
        component = ResolvedComponent(name=field.enum_name, type=ResolvedComponent.SCHEMA, object=field.enum_name,
                                      schema=schema)
        auto_schema.registry.register_on_missing(component)
        return component.ref
