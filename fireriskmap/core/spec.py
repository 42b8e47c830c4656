"""Layer specs: the catalogue of layer kinds, loaded from ``layers/*.toml`` and validated.

A spec names the geometry type, the typed fields with units, enums, required flags, zh/en labels
and the aliases used to match a file's columns on import. :func:`coerce_frame` turns raw imported
values into the spec's types and reports every value it could not use (nothing is dropped
silently).
"""

from __future__ import annotations

import datetime as _dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd

from fireriskmap.errors import SchemaError, SpecError
from fireriskmap.i18n import label as _label
from fireriskmap.paths import layers_dir

FIELD_TYPES = ("int", "float", "str", "bool", "date", "enum")
GEOMETRY_TYPES = ("point", "line", "polygon", "none")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")

TRUE_WORDS = {"1", "true", "t", "yes", "y", "是", "有", "√", "✓", "对", "真", "on"}
FALSE_WORDS = {"0", "false", "f", "no", "n", "否", "无", "没有", "×", "✗", "x", "错", "假", "off"}


def normalise_name(text: str) -> str:
    """Normalise a column name or alias for matching: case, spaces, ``_``/``-``/``:``, brackets."""
    text = str(text).strip().lower()
    text = re.sub(r"[（(].*?[)）]", "", text)  # drop units in brackets: 高度(米)
    return re.sub(r"[\s_\-:./·、]+", "", text)


@dataclass(frozen=True, eq=False)
class EnumValue:
    code: str
    labels: dict[str, str]
    aliases: tuple[str, ...] = ()

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.code)


@dataclass(frozen=True, eq=False)
class FieldSpec:
    name: str
    type: str
    labels: dict[str, str]
    unit: str | None = None
    required: bool = False
    aliases: tuple[str, ...] = ()
    values: tuple[EnumValue, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    description: dict[str, str] = field(default_factory=dict)
    personal: bool = False  # personal data: never printed in exports

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.name)

    def codes(self) -> list[str]:
        return [v.code for v in self.values]

    def enum_value(self, code: str) -> EnumValue | None:
        for v in self.values:
            if v.code == code:
                return v
        return None

    @property
    def dtype(self) -> str:
        return {"int": "Int64", "float": "float64", "bool": "boolean"}.get(self.type, "object")

    def parse_all(self, values) -> list[Any]:
        """:meth:`parse` each value; a value that cannot be used gives its ``ValueError`` in its place.

        Equal raw values are parsed once (a column of a few distinct words or dates is fast).
        """
        out: list[Any] = []
        cache: dict[Any, Any] = {}
        for value in values:
            try:
                key = (type(value), value if not isinstance(value, (list, dict)) else str(value))
                hit = key in cache
            except TypeError:  # unhashable: parse without the cache
                key, hit = None, False
            if hit:
                out.append(cache[key])
                continue
            try:
                result = self.parse(value)
            except ValueError as exc:
                result = exc
            if key is not None:
                cache[key] = result
            out.append(result)
        return out

    # -- parsing one raw value -------------------------------------------------------------
    @cached_property
    def _enum_lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for v in self.values:
            for word in (v.code, *v.labels.values(), *v.aliases):
                out.setdefault(normalise_name(word), v.code)
        return out

    def parse(self, raw: Any) -> Any:
        """Convert one raw value to this field's type; ``None`` for empty; ValueError if unusable."""
        if raw is None or (isinstance(raw, float) and np.isnan(raw)) or raw is pd.NA or raw is pd.NaT:
            return None
        if isinstance(raw, str):
            raw = raw.strip()
            if raw == "" or raw.lower() in {"nan", "null", "none", "<null>", "-", "/", "—"}:
                return None
        t = self.type
        if t == "str":
            if isinstance(raw, float) and raw.is_integer():
                return str(int(raw))
            return str(raw)
        if t == "bool":
            if isinstance(raw, (bool, np.bool_)):
                return bool(raw)
            if isinstance(raw, (int, float, np.integer, np.floating)):
                if raw in (0, 1):
                    return bool(raw)
                raise ValueError("not_bool")
            word = str(raw).strip().lower()
            if word in TRUE_WORDS:
                return True
            if word in FALSE_WORDS:
                return False
            raise ValueError("not_bool")
        if t in ("int", "float"):
            if isinstance(raw, (bool, np.bool_)):
                raise ValueError("not_number")
            if isinstance(raw, str):
                text = raw.replace(",", "").replace("，", "")
                if self.unit:
                    text = text.replace(self.unit, "")
                text = re.sub(r"[米层户人个座吨辆mM²³s秒分钟]+$", "", text).strip()
                try:
                    value = float(text)
                except ValueError:
                    raise ValueError("not_number") from None
            else:
                value = float(raw)
            if not np.isfinite(value):
                raise ValueError("not_number")
            if t == "int":
                if not float(value).is_integer():
                    if abs(value - round(value)) < 1e-9:
                        value = round(value)
                    else:
                        raise ValueError("not_integer")
                value = int(value)
            if self.minimum is not None and value < self.minimum:
                raise ValueError("below_min")
            if self.maximum is not None and value > self.maximum:
                raise ValueError("above_max")
            return value
        if t == "date":
            return parse_date(raw).isoformat()
        if t == "enum":
            lookup = self._enum_lookup
            key = normalise_name(raw) if not isinstance(raw, (int, float)) else normalise_name(
                str(int(raw)) if float(raw).is_integer() else str(raw))
            if key in lookup:
                return lookup[key]
            raise ValueError("not_in_enum")
        raise ValueError("unknown_type")  # pragma: no cover - validated at load


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})\s*[年./\-]\s*(\d{1,2})\s*[月./\-]\s*(\d{1,2})\s*日?"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]


def parse_date(raw: Any) -> _dt.date:
    """Parse a date given as a date/datetime, an Excel serial, ISO text or Chinese formats.

    Accepts ``2023-12-07``, ``2023/12/7``, ``2023.12.7``, ``2023年12月7日``, ``20231207`` and
    datetimes (the time part is dropped). Raises ``ValueError('not_date')``.
    """
    if isinstance(raw, pd.Timestamp):
        return raw.date()
    if isinstance(raw, _dt.datetime):
        return raw.date()
    if isinstance(raw, _dt.date):
        return raw
    if isinstance(raw, np.datetime64):
        return pd.Timestamp(raw).date()
    if isinstance(raw, (int, float, np.integer, np.floating)) and not isinstance(raw, bool):
        value = float(raw)
        if 20000 < value < 80000:  # Excel serial day number
            return (_dt.datetime(1899, 12, 30) + _dt.timedelta(days=value)).date()
        text = str(int(value)) if value.is_integer() else str(value)
    else:
        text = str(raw).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            try:
                return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            except ValueError:
                break
    raise ValueError("not_date")


@dataclass(frozen=True, eq=False)
class LayerSpec:
    kind: str
    geometry: str
    labels: dict[str, str]
    fields: tuple[FieldSpec, ...]
    derived: bool = False
    description: dict[str, str] = field(default_factory=dict)
    source: str = ""
    # a ledger layer (the hazard ledger): rows carry a permanent id in this field and are never
    # deleted, only closed or voided (Project.set_layer refuses to drop them)
    ledger_id: str | None = None

    def label(self, lang: str | None = None) -> str:
        return _label(self.labels, lang, self.kind)

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    def field(self, name: str) -> FieldSpec:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def has_field(self, name: str) -> bool:
        return any(f.name == name for f in self.fields)

    @property
    def required_fields(self) -> list[str]:
        return [f.name for f in self.fields if f.required]

    def match_column(self, column: str) -> str | None:
        """The field a file column maps to, by name, zh/en label or alias (normalised)."""
        return self._column_lookup.get(normalise_name(column))

    @cached_property
    def _column_lookup(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for f in self.fields:
            out.setdefault(normalise_name(f.name), f.name)
        for f in self.fields:
            for word in (*f.labels.values(), *f.aliases):
                out.setdefault(normalise_name(word), f.name)
        return out

    def auto_mapping(self, columns: Iterable[str]) -> dict[str, str]:
        """Map file columns onto fields: ``{column: field}``; each field is used once.

        An exact field-name match wins over a label/alias match.
        """
        mapping: dict[str, str] = {}
        used: set[str] = set()
        columns = list(columns)
        # exact names first
        for col in columns:
            if col in self.field_names and col not in used:
                mapping[col] = col
                used.add(col)
        for col in columns:
            if col in mapping:
                continue
            target = self.match_column(col)
            if target and target not in used:
                mapping[col] = target
                used.add(target)
        return mapping


# -- loading -------------------------------------------------------------------------------

def _need(table: dict, key: str, kind: type | tuple, file: str, where: str) -> Any:
    if key not in table:
        raise SpecError(file=file, key=f"{where}{key}", problem="missing")
    value = table[key]
    if not isinstance(value, kind):
        raise SpecError(file=file, key=f"{where}{key}", problem=f"expected {getattr(kind, '__name__', kind)}")
    return value


def _labels(table: dict, key: str, file: str, where: str, required: bool = True) -> dict[str, str]:
    value = table.get(key)
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or not isinstance(value.get("zh"), str) or not isinstance(value.get("en"), str):
        raise SpecError(file=file, key=f"{where}{key}", problem="needs zh and en labels")
    return {"zh": value["zh"], "en": value["en"]}


_FIELD_KEYS = {"name", "type", "unit", "required", "label", "aliases", "values", "min", "max",
               "default", "description", "personal"}


def parse_spec(data: dict, file: str = "<spec>") -> LayerSpec:
    """Validate a spec table (as read from TOML) and build a :class:`LayerSpec`."""
    kind = _need(data, "kind", str, file, "")
    if not _NAME_RE.match(kind):
        raise SpecError(file=file, key="kind", problem=f"'{kind}' is not a lower_snake name")
    geometry = _need(data, "geometry", str, file, "")
    if geometry not in GEOMETRY_TYPES:
        raise SpecError(file=file, key="geometry", problem=f"'{geometry}' not one of {GEOMETRY_TYPES}")
    labels = _labels(data, "label", file, "")
    raw_fields = _need(data, "fields", list, file, "")
    fields: list[FieldSpec] = []
    seen: set[str] = set()
    for i, f in enumerate(raw_fields):
        where = f"fields[{i}]."
        if not isinstance(f, dict):
            raise SpecError(file=file, key=f"fields[{i}]", problem="expected a table")
        unknown = set(f) - _FIELD_KEYS
        if unknown:
            raise SpecError(file=file, key=where + sorted(unknown)[0], problem="unknown key")
        name = _need(f, "name", str, file, where)
        where = f"fields.{name}."
        if not _NAME_RE.match(name):
            raise SpecError(file=file, key=where + "name", problem=f"'{name}' is not a lower_snake name")
        if name in seen:
            raise SpecError(file=file, key=where + "name", problem="duplicate field")
        seen.add(name)
        ftype = _need(f, "type", str, file, where)
        if ftype not in FIELD_TYPES:
            raise SpecError(file=file, key=where + "type", problem=f"'{ftype}' not one of {FIELD_TYPES}")
        values: list[EnumValue] = []
        if ftype == "enum":
            raw_values = _need(f, "values", list, file, where)
            if not raw_values:
                raise SpecError(file=file, key=where + "values", problem="empty enum")
            codes: set[str] = set()
            for j, v in enumerate(raw_values):
                vw = f"{where}values[{j}]."
                if not isinstance(v, dict):
                    raise SpecError(file=file, key=f"{where}values[{j}]", problem="expected a table")
                code = _need(v, "code", str, file, vw)
                if code in codes:
                    raise SpecError(file=file, key=vw + "code", problem=f"duplicate code '{code}'")
                codes.add(code)
                if "zh" not in v or "en" not in v:
                    raise SpecError(file=file, key=vw + "zh", problem="needs zh and en labels")
                aliases = v.get("aliases", [])
                if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
                    raise SpecError(file=file, key=vw + "aliases", problem="expected a list of strings")
                values.append(EnumValue(code, {"zh": str(v["zh"]), "en": str(v["en"])}, tuple(aliases)))
        elif "values" in f:
            raise SpecError(file=file, key=where + "values", problem="only enum fields have values")
        aliases = f.get("aliases", [])
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise SpecError(file=file, key=where + "aliases", problem="expected a list of strings")
        required = f.get("required", False)
        if not isinstance(required, bool):
            raise SpecError(file=file, key=where + "required", problem="expected true or false")
        unit = f.get("unit")
        if unit is not None and not isinstance(unit, str):
            raise SpecError(file=file, key=where + "unit", problem="expected a string")
        for bound in ("min", "max"):
            if bound in f and (ftype not in ("int", "float") or not isinstance(f[bound], (int, float))):
                raise SpecError(file=file, key=where + bound, problem="only numbers have bounds")
        fs = FieldSpec(
            name=name,
            type=ftype,
            labels=_labels(f, "label", file, where),
            unit=unit,
            required=required,
            aliases=tuple(aliases),
            values=tuple(values),
            minimum=f.get("min"),
            maximum=f.get("max"),
            default=f.get("default"),
            description=_labels(f, "description", file, where, required=False),
            personal=bool(f.get("personal", False)),
        )
        if fs.default is not None:
            try:
                fs.parse(fs.default)
            except ValueError as exc:
                raise SpecError(file=file, key=where + "default", problem=str(exc)) from None
        fields.append(fs)
    derived = data.get("derived", False)
    if not isinstance(derived, bool):
        raise SpecError(file=file, key="derived", problem="expected true or false")
    unknown = set(data) - {"kind", "geometry", "label", "fields", "derived", "description", "ledger_id"}
    if unknown:
        raise SpecError(file=file, key=sorted(unknown)[0], problem="unknown key")
    ledger_id = data.get("ledger_id")
    if ledger_id is not None and not any(f.name == ledger_id and f.type == "str" for f in fields):
        raise SpecError(file=file, key="ledger_id", problem=f"'{ledger_id}' is not a str field of this layer")
    return LayerSpec(kind=kind, geometry=geometry, labels=labels, fields=tuple(fields), derived=derived,
                     description=_labels(data, "description", file, "", required=False), source=file,
                     ledger_id=ledger_id)


def load_spec(path: str | Path) -> LayerSpec:
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(file=path.name, key="(toml)", problem=str(exc)) from None
    spec = parse_spec(data, file=path.name)
    if spec.kind != path.stem:
        raise SpecError(file=path.name, key="kind", problem=f"'{spec.kind}' differs from the file name")
    return spec


@lru_cache(maxsize=None)
def _load_catalogue(folder: str) -> dict[str, LayerSpec]:
    specs = {}
    for path in sorted(Path(folder).glob("*.toml")):
        spec = load_spec(path)
        specs[spec.kind] = spec
    if not specs:
        raise SpecError(file=folder, key="(folder)", problem="no layer specs found")
    return specs


def catalogue(folder: str | Path | None = None) -> dict[str, LayerSpec]:
    """All layer specs by kind (cached)."""
    return dict(_load_catalogue(str(folder or layers_dir())))


def get_spec(kind: str) -> LayerSpec:
    specs = catalogue()
    if kind not in specs:
        raise SchemaError(problem=f"unknown layer kind '{kind}' (known: {', '.join(sorted(specs))})")
    return specs[kind]


def input_kinds() -> list[str]:
    """Layer kinds a user imports (not derived by analyses)."""
    return [k for k, s in catalogue().items() if not s.derived]


# -- coercing a frame ----------------------------------------------------------------------

REJECT_COLUMNS = ["row", "field", "value", "reason"]


def coerce_frame(spec: LayerSpec, frame: pd.DataFrame, *, row_labels: Iterable | None = None
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Convert a frame whose columns are already field names into the spec's types.

    Returns ``(values, problems, rejected_rows)``:

    - ``values``: one column per spec field (missing ones empty), typed (``Int64``, ``float64``,
      ``boolean``, ISO date text, enum codes), index as the input;
    - ``problems``: one row per value that could not be used (``row, field, value, reason``); the
      value is left empty and the row kept;
    - ``rejected_rows``: rows missing a required field (``row, field, value, reason``); callers drop
      these rows and report them.

    Columns that are not spec fields are ignored (the caller decides whether to keep them).
    The input is not mutated.
    """
    index = frame.index
    labels = list(row_labels) if row_labels is not None else list(index)
    out = {}
    problems: list[tuple] = []
    rejected: list[tuple] = []
    for fs in spec.fields:
        if fs.name not in frame.columns:
            out[fs.name] = pd.Series([None] * len(frame), index=index, dtype=fs.dtype if fs.dtype != "object" else object)
            continue
        raw = frame[fs.name].to_numpy(dtype=object)
        parsed = np.empty(len(raw), dtype=object)
        for i, (value, result) in enumerate(zip(raw, fs.parse_all(raw))):
            if isinstance(result, ValueError):
                problems.append((labels[i], fs.name, value, str(result.args[0] if result.args else "invalid")))
                parsed[i] = None
            else:
                parsed[i] = result
        series = pd.Series(parsed, index=index, dtype=object)
        if fs.dtype != "object":
            series = series.astype(fs.dtype) if fs.type != "float" else pd.to_numeric(series, errors="coerce").astype("float64")
        out[fs.name] = series
    values = pd.DataFrame(out, index=index)
    for fs in spec.fields:
        if fs.default is not None:
            empty = values[fs.name].isna()
            if empty.any():
                filled = values[fs.name].astype(object).where(~empty, fs.parse(fs.default))
                values[fs.name] = filled.astype(fs.dtype) if fs.dtype != "object" else filled
        if fs.required:
            missing = values[fs.name].isna().to_numpy()
            for i in np.flatnonzero(missing):
                rejected.append((labels[i], fs.name, None, "required_missing"))
    return (values,
            pd.DataFrame(problems, columns=REJECT_COLUMNS),
            pd.DataFrame(rejected, columns=REJECT_COLUMNS))


def empty_frame(spec: LayerSpec) -> pd.DataFrame:
    """An empty frame with the spec's columns and dtypes."""
    return pd.DataFrame({f.name: pd.Series([], dtype=f.dtype) for f in spec.fields})
