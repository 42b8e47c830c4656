"""The offline HTML map (folium + the vendored Leaflet 1.9.4; no Qt).

:func:`export_html` writes one page with the layers as toggles: risk areas coloured by level with a
popup of the score breakdown, villages, roads, buildings, flagged clusters, fire breaks, coverage
gaps, flagged buildings, hydrants, water sources, proposed hydrants, fire forces, open hazards and
key places. It opens with no internet: Leaflet's JavaScript and CSS (from
``fireriskmap/resources/leaflet``) are inlined (or written beside the page with
``assets="beside"``), no jQuery/Bootstrap/awesome-markers are used, and there is no basemap unless
one is asked for (``basemap="osm"``, ``"tianditu:KEY"`` or ``"url:TEMPLATE"``).

This is the one exporter that goes back to longitude/latitude (WGS 84 ≈ CGCS2000, DESIGN.md §3).
Personal fields (``personal = true`` in ``layers/*.toml``) never reach the page.
"""

from __future__ import annotations

import base64
import datetime as _dt
import html as _html
import re
import shutil
import time
from pathlib import Path
from typing import Any, Iterable

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from fireriskmap.export import data as D
from fireriskmap.i18n import tr
from fireriskmap.paths import RESOURCES_DIR
from fireriskmap.progress import ProgressFn
from fireriskmap.render.style import LayerStyle, MapStyle, Symbol, default_style

LEAFLET_DIR = RESOURCES_DIR / "leaflet"
_JS_PLACEHOLDER = "fireriskmap-leaflet.js"
_CSS_PLACEHOLDER = "fireriskmap-leaflet.css"
MAX_BUILDINGS = 60_000  # above this only flagged buildings go into the page (a county would be 100 MB)
WGS84 = "EPSG:4326"

# (kind, shown at start, popup fields) — the order is the drawing order (areas first, points last)
HTML_LAYERS: list[tuple[str, bool, tuple[str, ...]]] = [
    ("risk_areas", True, ()),  # popup built from the score breakdown
    ("response_areas", False, ("station", "band_min", "area_kind")),
    ("villages", True, ("name", "kind", "households", "population", "resident_population", "elderly_alone",
                        "left_behind_children", "disabled", "rental_households")),
    ("roads", True, ("name", "road_class", "width")),
    ("buildings", True, ()),
    ("clusters", True, ("cluster_id", "village", "buildings", "households", "footprint_m2", "timber_share",
                        "flag_reason")),
    ("coverage_gaps", True, ("gap_id", "village", "buildings", "households", "rank")),
    ("firebreaks", False, ("cluster_id", "width_m", "buildings_involved")),
    ("flagged_buildings", True, ()),
    ("water_sources", True, ("name", "source_type", "capacity", "working", "village")),
    ("hydrants", True, ("name", "hydrant_type", "working", "pressure", "village")),
    ("proposed_hydrants", True, ("order", "gain_buildings", "road")),
    ("fire_stations", True, ("name", "force_type", "turnout_s", "engines", "staff", "village")),
    ("hazards", False, ("hazard_type", "severity", "status", "deadline", "responsible_unit", "village")),
    ("key_places", False, ("name", "place_type", "people_night", "village")),
]


def _css_colour(value: str | None) -> str | None:
    return value[:7] if value else None


def _leaflet_assets() -> tuple[str, str]:
    """leaflet.js and leaflet.css ready to inline: the CSS images as data URIs, comments dropped."""
    js = (LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    js = re.sub(r"//# sourceMappingURL=\S*\s*$", "", js)
    css = (LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)

    def data_uri(match: re.Match) -> str:
        name = match.group(1)
        path = LEAFLET_DIR / "images" / name
        if not path.is_file():
            return match.group(0)
        return "url(data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii") + ")"

    css = re.sub(r"url\(images/([\w\-.]+)\)", data_uri, css)
    return js, css


def _to_lonlat(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    out = gdf.to_crs(WGS84) if gdf.crs is not None else gdf.set_crs(WGS84)
    geoms = np.asarray(out.geometry.values, dtype=object)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, 6))  # 0.1 m: smaller pages
    out = out.set_geometry(gpd.GeoSeries(geoms, index=out.index, crs=WGS84))
    return out[~(out.geometry.is_empty | out.geometry.isna())]


def _value_text(kind: str, name: str, value: Any, lang) -> Any:
    """A property value as shown in a popup: enum labels, yes/no, rounded numbers, '—' for empty."""
    if D.missing(value):
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return tr("export.html.yes" if value else "export.html.no", lang=lang)
    label = D.enum_label(kind, name, value, lang)
    if label != str(value):
        return _html.escape(label)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        if name.endswith("_share") or name in ("completeness", "timber_share"):
            return D.fmt_share(v)
        return f"{v:.0f}" if abs(v) >= 100 or v.is_integer() else f"{v:.2f}".rstrip("0").rstrip(".")
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (_dt.date, _dt.datetime, pd.Timestamp)):
        return str(value)[:10]
    return _html.escape(str(value))  # popups insert values as HTML


def _features(kind: str, gdf: gpd.GeoDataFrame, fields: Iterable[str], lang) -> tuple[dict, list[str], list[str]]:
    """A GeoJSON FeatureCollection with only public ``fields`` (shown as text) and their labels."""
    allowed = set(D.public_columns(kind, gdf.columns))
    cols = [f for f in fields if f in gdf.columns and f in allowed]
    lonlat = _to_lonlat(gdf[cols + ["geometry"]] if cols else gdf[["geometry"]])
    props = pd.DataFrame({c: [_value_text(kind, c, v, lang) for v in lonlat[c].tolist()] for c in cols},
                         index=lonlat.index)
    features = []
    geo = lonlat.geometry.values
    for i in range(len(lonlat)):
        features.append({"type": "Feature", "id": str(i),
                         "properties": {c: props[c].iloc[i] for c in cols},
                         "geometry": shapely.geometry.mapping(geo[i])})
    return {"type": "FeatureCollection", "features": features}, cols, [D.field_label(kind, c, lang) for c in cols]


def _style_of(symbol: Symbol, geometry: str, opacity: float = 1.0) -> dict[str, Any]:
    if geometry == "point":
        return {"radius": max(3.0, symbol.size / 2), "color": _css_colour(symbol.stroke) or "#ffffff",
                "weight": max(symbol.width, 0.8), "fillColor": _css_colour(symbol.fill) or "#ffffff",
                "fillOpacity": 0.95 if symbol.fill else 0.0, "opacity": opacity}
    if geometry == "line":
        dash = {"dash": "6 4", "dot": "1 4", "dashdot": "8 4 1 4"}.get(symbol.dash)
        return {"color": _css_colour(symbol.stroke) or "#546e7a", "weight": max(symbol.width * 0.9, 1.0),
                "opacity": opacity, **({"dashArray": dash} if dash else {})}
    fill = _css_colour(symbol.fill)
    dash = {"dash": "6 4", "dot": "1 4", "dashdot": "8 4 1 4"}.get(symbol.dash)
    return {"color": _css_colour(symbol.stroke) or "#666666", "weight": max(symbol.width, 0.6),
            "fillColor": fill or "#000000", "fillOpacity": round(symbol.fill_opacity * opacity, 3) if fill else 0.0,
            "opacity": opacity, **({"dashArray": dash} if dash else {})}


def _classes(kind: str, gdf: gpd.GeoDataFrame, ls: LayerStyle) -> list[tuple[Symbol, np.ndarray, str]]:
    """(symbol, row mask, label code) per style class present, default symbol last."""
    from fireriskmap.render.renderer import class_codes, class_ids

    ids = class_ids(class_codes(gdf, ls.field, np.arange(len(gdf))), ls)
    out = []
    used = np.zeros(len(gdf), dtype=bool)
    for i, (code, sym) in enumerate(ls.classes.items(), start=1):
        mask = ids == i
        if mask.any():
            out.append((sym, mask, code))
            used |= mask
    if (~used).any():
        out.append((ls.symbol, ~used, ""))
    return out


def _geometry_kind(kind: str, gdf) -> str:
    from fireriskmap.render.renderer import layer_geometry

    return layer_geometry(kind, gdf)


def _add_geojson(group, kind: str, gdf: gpd.GeoDataFrame, symbol: Symbol, geometry: str, fields, lang, *,
                 tooltip_field: str | None = None, popup: bool = True, opacity: float = 1.0) -> None:
    data, cols, aliases = _features(kind, gdf, fields, lang)
    if not data["features"]:
        return
    style = _style_of(symbol, geometry, opacity)
    kwargs: dict[str, Any] = {"style_function": lambda _f, s=style: s, "embed": True, "smooth_factor": 0.5}
    if geometry != "point":
        kwargs["highlight_function"] = lambda _f: {"weight": 3, "color": "#222222"}
    if popup and cols:
        kwargs["popup"] = folium.GeoJsonPopup(fields=cols, aliases=aliases, localize=False, labels=True,
                                              max_width=360)
    if tooltip_field and tooltip_field in cols:
        kwargs["tooltip"] = folium.GeoJsonTooltip(fields=[tooltip_field], labels=False, sticky=False)
    if geometry == "point":
        kwargs["marker"] = folium.CircleMarker(radius=style["radius"])
    folium.GeoJson(data, **kwargs).add_to(group)


def _risk_layer(group, project, style: MapStyle, lang) -> list[tuple[str, str]]:
    """Risk areas by level with a popup of the breakdown; returns the legend (colour, label)."""
    risk = project.layers["risk_areas"]
    rows = D.priority_rows(project, style=style, lang=lang) or []
    by_pos = {r.position: r for r in rows}
    lonlat = _to_lonlat(risk[["geometry"]])
    ind_cols = D.indicator_columns(risk)
    ind_labels = {c: D.indicator_label(c, lang, project=project) for c in ind_cols}
    sep = "；" if D.lang_code(lang) == "zh" else "; "
    levels: dict[str, D.LevelInfo] = {}
    groups: dict[str, list] = {}
    for pos, geom in zip(lonlat.index, lonlat.geometry.values):
        r = by_pos.get(int(pos))
        if r is None:
            continue
        levels.setdefault(r.level.code, r.level)
        breakdown = "".join(
            f"<tr><td>{_html.escape(ind_labels[c])}</td><td style='text-align:right'>{D.fmt_num(v)}</td></tr>"
            for c, v in sorted(r.indicators.items(), key=lambda kv: -(kv[1] if kv[1] is not None else -1))
            if v is not None)
        popup = (f"<div class='frm-pop'><b>{_html.escape(r.name)}</b> "
                 f"<span class='frm-badge' style='background:{r.level.colour};color:{r.level.text_colour}'>"
                 f"{_html.escape(D.short_level(r.level))}</span><br>"
                 f"{_html.escape(tr('export.col.score', lang=lang))}: <b>{D.fmt_num(r.score)}</b> · "
                 f"{_html.escape(tr('export.col.rank', lang=lang))}: {r.rank if r.rank is not None else '—'} · "
                 f"{_html.escape(tr('export.col.completeness', lang=lang))}: {D.fmt_share(r.completeness, 0)}<br>"
                 f"{_html.escape(tr('export.col.reasons', lang=lang))}: {_html.escape(sep.join(r.reasons[:3]) or '—')}"
                 + (f"<table class='frm-tab'><tr><th>{_html.escape(tr('export.html.indicator', lang=lang))}</th>"
                    f"<th>{_html.escape(tr('export.html.points', lang=lang))}</th></tr>{breakdown}</table>"
                    if breakdown else "") + "</div>")
        groups.setdefault(r.level.code, []).append({
            "type": "Feature", "id": str(pos), "properties": {"name": r.name, "popup": popup},
            "geometry": shapely.geometry.mapping(geom)})
    ls = style.layer("risk_areas", "polygon")
    for code in sorted(groups, key=lambda c: levels[c].order):
        info = levels[code]
        sym = ls.classes.get(code) or Symbol(fill=info.colour, fill_opacity=ls.symbol.fill_opacity,
                                             stroke=D._darker(info.colour), width=1.0)
        st = _style_of(sym, "polygon")
        st["fillColor"] = info.colour
        folium.GeoJson({"type": "FeatureCollection", "features": groups[code]}, embed=True,
                       style_function=lambda _f, s=st: s,
                       highlight_function=lambda _f: {"weight": 3, "color": "#222222"},
                       popup=folium.GeoJsonPopup(fields=["popup"], labels=False, max_width=420),
                       tooltip=folium.GeoJsonTooltip(fields=["name"], labels=False)).add_to(group)
    return [(levels[c].colour, D.short_level(levels[c])) for c in sorted(groups, key=lambda c: levels[c].order)]


def _flagged_buildings(project) -> gpd.GeoDataFrame | None:
    b = project.layers.get("buildings")
    if b is None or len(b) == 0:
        return None
    mask = np.zeros(len(b), dtype=bool)
    for col in ("chimney_candidate", "steel_or_panel", "high_rise"):
        if col in b:
            mask |= b[col].fillna(False).astype(bool).to_numpy()
    if not mask.any():
        return None
    sub = b[mask].copy()
    sub["geometry"] = sub.geometry.representative_point()
    return sub


def _legend_html(entries: list[tuple[str, list[tuple[str, str, str]]]], lang) -> str:
    """A fixed legend panel: [(group title, [(kind 'fill'|'line'|'point', colour, label)])]."""
    parts = [f"<div class='frm-legend'><div class='frm-legend-title'>{_html.escape(tr('render.legend.title', lang=lang))}"
             "</div>"]
    for title, items in entries:
        parts.append(f"<div class='frm-legend-group'>{_html.escape(title)}</div>")
        for shape, colour, label in items:
            if shape == "line":
                sw = f"<span class='frm-sw' style='height:0;border-top:3px solid {colour};margin-top:6px'></span>"
            elif shape == "point":
                sw = f"<span class='frm-sw' style='border-radius:50%;width:10px;height:10px;background:{colour}'></span>"
            else:
                sw = f"<span class='frm-sw' style='background:{colour};border:1px solid #555'></span>"
            parts.append(f"<div class='frm-legend-item'>{sw}{_html.escape(label)}</div>")
    parts.append("</div>")
    return "".join(parts)


_PAGE_CSS = """
.frm-title{position:absolute;top:10px;left:54px;z-index:1000;background:rgba(255,255,255,.94);padding:6px 12px;
 border:1px solid #c9ced6;border-radius:4px;font:14px/1.4 "Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif;
 box-shadow:0 1px 4px rgba(0,0,0,.2);max-width:60%}
.frm-title b{font-size:16px}
.frm-mark{display:inline-block;color:#c62828;border:2px double #c62828;padding:0 6px;margin-left:8px;font-weight:bold;
 font-size:12px}
.frm-sub{color:#5f6368;font-size:12px}
.frm-legend{position:absolute;bottom:24px;right:10px;z-index:1000;background:rgba(255,255,255,.94);padding:6px 10px;
 border:1px solid #c9ced6;border-radius:4px;font:12px/1.5 "Noto Sans SC","Microsoft YaHei",sans-serif;
 max-height:55%;overflow:auto;box-shadow:0 1px 4px rgba(0,0,0,.2)}
.frm-legend-title{font-weight:bold;font-size:13px}
.frm-legend-group{font-weight:bold;margin-top:4px}
.frm-legend-item{white-space:nowrap}
.frm-sw{display:inline-block;width:18px;height:11px;margin-right:6px;vertical-align:middle}
.frm-pop{font:12px/1.5 "Noto Sans SC","Microsoft YaHei",sans-serif}
.frm-badge{padding:0 6px;border-radius:3px;font-weight:bold}
.frm-tab{border-collapse:collapse;margin-top:4px}.frm-tab td,.frm-tab th{border:1px solid #ddd;padding:1px 6px}
.frm-note{position:absolute;bottom:4px;left:60px;z-index:1000;font:11px "Noto Sans SC",sans-serif;color:#5f6368;
 background:rgba(255,255,255,.8);padding:0 4px}
.leaflet-container{font-family:"Noto Sans SC","Microsoft YaHei","PingFang SC",sans-serif}
"""


def _basemap(m: folium.Map, basemap: str | None, lang) -> None:
    if not basemap:
        return
    text = str(basemap).strip()
    if text.lower() == "osm":
        folium.TileLayer("OpenStreetMap", name=tr("export.html.basemap", lang=lang), control=True).add_to(m)
    elif text.lower().startswith("tianditu:"):
        key = text.split(":", 1)[1]
        for layer, name in (("vec", tr("export.html.basemap", lang=lang)), ("cva", tr("export.html.annotation", lang=lang))):
            folium.TileLayer(
                tiles=f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                      f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={{z}}&TILEROW={{y}}"
                      f"&TILECOL={{x}}&tk={key}",
                attr="天地图", name=name, subdomains="01234567", overlay=layer == "cva", control=True).add_to(m)
    elif text.lower().startswith("url:"):
        folium.TileLayer(tiles=text[4:], attr=tr("export.html.basemap", lang=lang),
                         name=tr("export.html.basemap", lang=lang)).add_to(m)
    else:
        raise D.ExportError("export.error.basemap", value=text)


def export_html(project, path, *, layers: Iterable[str] | None = None, lang: str | None = None,
                title: str | None = None, basemap: str | None = None, assets: str = "inline",
                style: MapStyle | None = None, date: _dt.date | None = None, canvas: bool = True,
                progress: ProgressFn | None = None) -> D.ExportResult:
    """Write the offline HTML map.

    Parameters
    ----------
    project : Project
    path : str or Path
        The ``.html`` file (replaced atomically).
    layers : list of str, optional
        Kinds to include (default: all of :data:`HTML_LAYERS` present; ``flagged_buildings`` are
        the chimney, steel/panel and high-rise buildings as points).
    basemap : str, optional
        None (default): no basemap and no remote URL at all. ``"osm"``, ``"tianditu:KEY"`` (天地图,
        CGCS2000-aligned) or ``"url:https://…/{z}/{x}/{y}.png"`` add an online basemap.
    assets : {"inline", "beside"}
        Leaflet inlined in the page (one file to pass around), or copied to ``<name>_files/``.
    canvas : bool
        Draw with Leaflet's canvas renderer (fast with thousands of buildings); False: SVG.
    """
    t0 = time.perf_counter()
    if assets not in ("inline", "beside"):
        raise ValueError("assets must be 'inline' or 'beside'")
    chosen = D.check_layers(project, [k for k in (layers or []) if k != "flagged_buildings"]) if layers else None
    wanted = set(layers) if layers else None
    style = D.export_style(project, style or default_style())
    if progress:
        progress(0.05, tr("export.progress.data", lang=lang))
    ext = project.extent()
    if ext is None:
        raise D.ExportError("export.error.empty")
    box = gpd.GeoSeries([shapely.box(*ext)], crs=project.crs).to_crs(WGS84).total_bounds
    m = folium.Map(location=[(box[1] + box[3]) / 2, (box[0] + box[2]) / 2], zoom_start=13, tiles=None,
                   control_scale=True, prefer_canvas=canvas)
    m.default_js = [("leaflet", _JS_PLACEHOLDER)]
    m.default_css = [("leaflet_css", _CSS_PLACEHOLDER)]
    _basemap(m, basemap, lang)
    legend: list[tuple[str, list[tuple[str, str, str]]]] = []
    total = len(HTML_LAYERS)
    included: list[str] = []
    for i, (kind, show, fields) in enumerate(HTML_LAYERS):
        if progress:
            progress(0.05 + 0.8 * i / total, tr("export.progress.layer", lang=lang, layer=D.layer_label(kind, lang)))
        if wanted is not None and kind not in wanted:
            continue
        if kind == "flagged_buildings":
            gdf = _flagged_buildings(project)
            if gdf is None:
                continue
            group = folium.FeatureGroup(name=tr("export.html.flagged", lang=lang), show=show)
            legend_items = []
            for col, colour, key in (("chimney_candidate", "#c62828", "export.flag.chimney"),
                                     ("steel_or_panel", "#3f51b5", "export.flag.steel"),
                                     ("high_rise", "#00838f", "export.flag.high_rise")):
                if col not in gdf:
                    continue
                sub = gdf[gdf[col].fillna(False).astype(bool)]
                if len(sub) == 0:
                    continue
                sym = Symbol(fill=colour, stroke="#ffffff", width=1.0, size=9)
                reason = f"{col}_reason"
                _add_geojson(group, "buildings", sub, sym, "point",
                             ("name", "village", "structure", "storeys", "use", reason), lang)
                legend_items.append(("point", colour, tr(key, lang=lang)))
            group.add_to(m)
            legend.append((tr("export.html.flagged", lang=lang), legend_items))
            included.append(kind)
            continue
        gdf = project.layers.get(kind)
        if gdf is None or len(gdf) == 0:
            continue
        name = D.layer_label(kind, lang)
        group = folium.FeatureGroup(name=name, show=show)
        if kind == "risk_areas":
            items = _risk_layer(group, project, style, lang)
            legend.append((name, [("fill", c, t) for c, t in items]))
            group.add_to(m)
            included.append(kind)
            continue
        geometry = _geometry_kind(kind, gdf)
        ls = style.layer(kind, geometry)
        if kind == "buildings":
            if len(gdf) > MAX_BUILDINGS:
                continue
            fields = ()
        if kind == "hazards" and "status" in gdf:
            gdf = gdf[gdf["status"].astype(object).fillna("open") != "closed"]
        items = []
        tooltip = "name" if "name" in fields else None
        for sym, mask, code in _classes(kind, gdf, ls):
            sub = gdf[mask]
            _add_geojson(group, kind, sub, sym, geometry, fields, lang, tooltip_field=tooltip,
                         popup=bool(fields), opacity=ls.opacity)
            label = sym.label(lang, D.enum_label(kind, ls.field, code, lang) if ls.field and code else
                              (tr("render.legend.other", lang=lang) if ls.field else name))
            colour = _css_colour(sym.fill if geometry != "line" and sym.fill else sym.stroke) or "#999999"
            items.append(({"point": "point", "line": "line"}.get(geometry, "fill"), colour, label))
        group.add_to(m)
        legend.append((name, items))
        included.append(kind)
    folium.LayerControl(collapsed=False).add_to(m)
    m.fit_bounds([[box[1], box[0]], [box[3], box[2]]])
    day = date or _dt.date.today()
    town = D.township_name(project)
    heading = title or tr("export.title.html", lang=lang, place=town)
    head_html = (f"<div class='frm-title'><b>{_html.escape(heading)}</b>"
                 f"<span class='frm-mark'>{_html.escape(tr('export.internal_mark', lang=lang))}</span><br>"
                 f"<span class='frm-sub'>{_html.escape(tr('export.map_date', lang=lang, date=D.format_date(day, lang)))}"
                 f" · {_html.escape(D.sources_note(project, lang))}</span></div>")
    note = f"<div class='frm-note'>{_html.escape(tr('export.html.crs_note', lang=lang))}</div>"
    root = m.get_root()
    root.header.add_child(folium.Element(f"<style>{_PAGE_CSS}"
                                         f"#{m.get_name()}{{background:{style.theme.map_background[:7]}}}</style>"))
    root.html.add_child(folium.Element(head_html + _legend_html(legend, lang) + note))
    root.title = heading
    if progress:
        progress(0.9, tr("export.progress.saving", lang=lang))
    page = root.render()
    page = page.replace("<head>", f"<head>\n<title>{_html.escape(heading)}</title>", 1) if "<title>" not in page else page
    target = Path(path)
    js, css = _leaflet_assets()
    if assets == "inline":
        page = _replace_tag(page, "script", _JS_PLACEHOLDER, f"<script>{js}</script>")
        page = _replace_tag(page, "link", _CSS_PLACEHOLDER, f"<style>{css}</style>")
    else:
        folder = target.with_name(target.stem + "_files")
        folder.mkdir(exist_ok=True)
        (folder / "leaflet.js").write_text(js, encoding="utf-8")
        (folder / "leaflet.css").write_text(css, encoding="utf-8")
        shutil.copy2(LEAFLET_DIR / "LICENSE", folder / "LICENSE-leaflet.txt")
        page = page.replace(_JS_PLACEHOLDER, f"{folder.name}/leaflet.js").replace(_CSS_PLACEHOLDER,
                                                                                 f"{folder.name}/leaflet.css")
    with D.atomic_output(target, ".html") as tmp:
        tmp.write_text(page, encoding="utf-8")
    result = D.ExportResult(target, "html", bytes=target.stat().st_size, seconds=time.perf_counter() - t0)
    result.extra["layers"] = included
    result.extra["basemap"] = basemap or None
    if progress:
        progress(1.0, "")
    return result


def _replace_tag(page: str, tag: str, placeholder: str, replacement: str) -> str:
    """Replace the ``<script src=…>``/``<link href=…>`` tag naming ``placeholder`` with ``replacement``."""
    pattern = re.compile(rf"<{tag}\b[^>]*{re.escape(placeholder)}[^>]*>(\s*</{tag}>)?", re.I)
    new, n = pattern.subn(lambda _m: replacement, page, count=1)
    if n != 1:
        raise RuntimeError(f"folium page without the {tag} tag for {placeholder}")
    return new


def remote_urls(page: str) -> list[str]:
    """Every http(s) URL in a page except Leaflet's own attribution link and XML namespaces
    (identifiers that a browser never fetches)."""
    allowed = ("http://www.w3.org/", "https://leafletjs.com")
    return [u for u in re.findall(r"https?://[^\s\"'<>)]+", page) if not u.startswith(allowed)]


__all__ = ["export_html", "remote_urls", "HTML_LAYERS", "LEAFLET_DIR"]
