"""Field types shared by every section of the scenario format."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from resim.scenario.taxonomy import check_certification, check_process

__all__ = [
    "Spec", "Id", "IdList", "Country", "Region", "Fraction", "NonNegative", "Positive",
    "ProcessPath", "Certification", "Certifications", "Latitude", "Longitude", "SizeMM", "TextList",
]


class Spec(BaseModel):
    """Base of every scenario model: immutable, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]{0,63}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")
_REGION = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def _check_id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"'{value}' is not a valid id (expected a letter, then letters, digits, "
                         "'_', '.' or '-', at most 64 characters)")
    return value


def _check_country(value: str) -> str:
    if not _COUNTRY.match(value):
        raise ValueError(f"'{value}' is not a country code (expected ISO 3166 alpha-2, e.g. DE, TW)")
    return value


def _check_region(value: str) -> str:
    if not _REGION.match(value):
        raise ValueError(f"'{value}' is not a region name (expected lower_case, e.g. east_asia)")
    return value


def _split_list(value: object) -> object:
    """Accept ``a``, ``"a; b"`` (a spreadsheet cell) or a list for list-valued fields."""
    if isinstance(value, str):
        return [item.strip() for item in value.split(";") if item.strip()]
    return value


def _check_lane_ref(value: str) -> str:
    """A lane is named by its id or as ``FROM->TO``."""
    for end in value.split("->", 1):
        _check_id(end.strip())
    return "->".join(end.strip() for end in value.split("->", 1))


Id = Annotated[str, AfterValidator(_check_id)]
IdList = Annotated[tuple[Id, ...], BeforeValidator(_split_list)]
LaneRef = Annotated[str, AfterValidator(_check_lane_ref)]
LaneRefList = Annotated[tuple[LaneRef, ...], BeforeValidator(_split_list)]
Country = Annotated[str, AfterValidator(_check_country)]
Region = Annotated[str, AfterValidator(_check_region)]
Fraction = Annotated[float, Field(ge=0.0, le=1.0)]
NonNegative = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
Positive = Annotated[float, Field(gt=0.0, allow_inf_nan=False)]
Latitude = Annotated[float, Field(ge=-90.0, le=90.0)]
Longitude = Annotated[float, Field(ge=-180.0, le=180.0)]
ProcessPath = Annotated[str, AfterValidator(check_process)]
Certification = Annotated[str, AfterValidator(check_certification)]
Certifications = Annotated[tuple[Certification, ...], BeforeValidator(_split_list)]
TextList = Annotated[tuple[str, ...], BeforeValidator(_split_list)]
SizeMM = tuple[Positive, Positive, Positive]
"""Size envelope length x width x height in millimetres."""
