"""Benchmark: the meeting outputs — demo report speed and a county-sized PDF (issue 6).

Measures

* the **demo township** (a copy of ``data/demo_township.gpkg``, analysed first unless
  ``--project`` names an analysed copy): the A4 report (pages, MB, seconds — target "a few
  seconds"), the A3 landscape report, the village atlas, the HTML map, the Excel workbook and a
  3840 × 2160 PNG;
* a **synthetic county of 1,000,000 buildings** (600 villages, a road grid, hydrants) drawn as the
  A3 landscape map sheet: the file size with the print simplification (vertices snapped to
  1 device pixel at 300 dpi = 0.085 mm, dots of sub-pixel buildings merged per cell; target
  < 25 MB) against the same map with every vertex the screen renderer keeps (``simplify_px=None``),
  measured in the same run, as a ratio. Both PDFs are checked for raster images (there must be none).

Run: ``python bench/export.py [--buildings 1000000] [--project analysed.gpkg] [--skip-demo]``.
Ends with ``RESULT demo_report_s=... demo_pages=... ... county_a3_mb=... size_ratio=...``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import geopandas as gpd  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fireriskmap.core.project import Project  # noqa: E402
from fireriskmap.export.pdf import export_atlas, export_pdf  # noqa: E402
from fireriskmap.paths import demo_project_path  # noqa: E402

CRS = "EPSG:4545"


def county(n_buildings: int, n_villages: int = 600, seed: int = 11) -> Project:
    """A 60 km × 42 km county: Voronoi villages, a 1.5 km road grid with village lanes, buildings
    (7–14 m × 6–11 m, rotated) packed around each village centre, hydrants along the roads."""
    rng = np.random.default_rng(seed)
    x0, y0, w, h = 470_000.0, 2_880_000.0, 60_000.0, 42_000.0
    centres = np.column_stack([x0 + rng.uniform(1500, w - 1500, n_villages), y0 + rng.uniform(1500, h - 1500, n_villages)])
    frame = shapely.box(x0, y0, x0 + w, y0 + h)
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=frame)
    polys = [shapely.intersection(c, frame) for c in shapely.get_parts(cells)]
    names = [f"第{i + 1}村" for i in range(len(polys))]
    villages = gpd.GeoDataFrame({"name": names, "households": rng.integers(100, 3000, len(polys))},
                                geometry=polys, crs=CRS)
    # buildings: Gaussian blobs around the centres, sized like village houses
    vid = rng.integers(0, n_villages, n_buildings)
    spread = rng.uniform(120, 380, n_villages)[vid]
    pts = centres[vid] + rng.normal(0, 1, (n_buildings, 2)) * spread[:, None]
    bw, bh = rng.uniform(7, 14, n_buildings), rng.uniform(6, 11, n_buildings)
    ang = rng.normal(0, 0.3, n_buildings)
    corners = np.array([[-0.5, -0.5], [0.5, -0.5], [0.5, 0.5], [-0.5, 0.5], [-0.5, -0.5]])
    local = corners[None, :, :] * np.stack([bw, bh], axis=1)[:, None, :]
    cos, sin = np.cos(ang)[:, None], np.sin(ang)[:, None]
    rot = np.stack([local[..., 0] * cos - local[..., 1] * sin, local[..., 0] * sin + local[..., 1] * cos], axis=-1)
    rings = shapely.linearrings(rot + pts[:, None, :])
    buildings = gpd.GeoDataFrame({
        "structure": rng.choice(["timber", "brick_timber", "brick_concrete", "reinforced_concrete", "steel", "other"],
                                n_buildings, p=[0.35, 0.2, 0.25, 0.12, 0.05, 0.03]),
        "storeys": rng.integers(1, 5, n_buildings), "households": np.ones(n_buildings, dtype=int)},
        geometry=shapely.polygons(rings), crs=CRS)
    # roads: a jittered 1.5 km grid of county roads and a cross of lanes through every village
    lines, classes = [], []
    for gx in np.arange(x0, x0 + w + 1, 1500):
        ys = np.linspace(y0, y0 + h, 30)
        lines.append(shapely.linestrings(np.column_stack([gx + rng.normal(0, 60, len(ys)), ys])))
        classes.append("collector")
    for gy in np.arange(y0, y0 + h + 1, 1500):
        xs = np.linspace(x0, x0 + w, 40)
        lines.append(shapely.linestrings(np.column_stack([xs, gy + rng.normal(0, 60, len(xs))])))
        classes.append("collector")
    for cx, cy in centres:
        for dx, dy in ((1, 0), (0, 1), (1, 1), (1, -1)):
            t = np.linspace(-700, 700, 12)
            lines.append(shapely.linestrings(np.column_stack([cx + dx * t + rng.normal(0, 15, 12),
                                                              cy + dy * t + rng.normal(0, 15, 12)])))
            classes.append("local")
    roads = gpd.GeoDataFrame({"road_class": classes}, geometry=lines, crs=CRS)
    hydrant_pts = shapely.points(centres[rng.integers(0, n_villages, 6000)] + rng.normal(0, 300, (6000, 2)))
    hydrants = gpd.GeoDataFrame({"working": rng.random(6000) > 0.1}, geometry=hydrant_pts, crs=CRS)
    project = Project.new(CRS, name="演示县（合成）")
    project.set_layer("villages", villages)
    project.set_layer("roads", roads)
    project.set_layer("buildings", buildings)
    project.set_layer("hydrants", hydrants)
    return project


def raster_images(pdf: Path) -> int | None:
    """Number of images in ``pdf`` (``pdfimages -list``), None without poppler-utils."""
    if shutil.which("pdfimages") is None:
        return None
    out = subprocess.run(["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=False)
    return max(0, len(out.stdout.strip().splitlines()) - 2)


def timed(fn, *args, **kwargs):
    t = time.perf_counter()
    res = fn(*args, **kwargs)
    return res, time.perf_counter() - t


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buildings", type=int, default=1_000_000)
    parser.add_argument("--project", help="an analysed copy of the demo (skips the ~20 s analysis)")
    parser.add_argument("--skip-demo", action="store_true")
    parser.add_argument("--skip-county", action="store_true")
    parser.add_argument("--keep", help="folder to keep the outputs in")
    args = parser.parse_args(argv)

    out = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="fireriskmap-bench-"))
    out.mkdir(parents=True, exist_ok=True)
    result: dict[str, str] = {}

    if not args.skip_demo:
        if args.project:
            project = Project.open(args.project)
        else:
            from fireriskmap.analysis.pipeline import analyse, apply_outcome

            copy = out / "demo.gpkg"
            shutil.copy(demo_project_path(), copy)
            project = Project.open(copy)
            outcome, secs = timed(analyse, project)
            apply_outcome(project, outcome)
            try:  # the risk step (issue 4), when it is there
                from fireriskmap.analysis.risk import score_areas

                project.set_layer("risk_areas", score_areas(project).areas)
            except Exception as exc:  # noqa: BLE001 - the bench still measures the rest
                print(f"(risk scoring not available: {type(exc).__name__}: {exc})")
            print(f"demo analysed in {secs:.1f} s")
        from fireriskmap.export.excel import export_xlsx
        from fireriskmap.export.html import export_html
        from fireriskmap.export.png import export_png

        export_pdf(project, out / "warmup.pdf", tables=False)  # fonts and caches
        rep, s = timed(export_pdf, project, out / "demo_report_a4.pdf")
        print(f"demo report A4: {rep.pages} pages, {rep.bytes / 1e6:.2f} MB, {s:.2f} s")
        rep3, s3 = timed(export_pdf, project, out / "demo_report_a3.pdf", paper="A3", landscape=True)
        print(f"demo report A3 landscape: {rep3.pages} pages, {rep3.bytes / 1e6:.2f} MB, {s3:.2f} s")
        atl, sa = timed(export_atlas, project, out / "demo_atlas.pdf")
        print(f"demo atlas A4: {atl.pages} pages, {atl.bytes / 1e6:.2f} MB, {sa:.2f} s")
        html, sh = timed(export_html, project, out / "demo_map.html")
        print(f"demo HTML: {html.bytes / 1e6:.2f} MB, {sh:.2f} s")
        xl, sx = timed(export_xlsx, project, out / "demo_tables.xlsx")
        print(f"demo Excel: {xl.bytes / 1e6:.2f} MB, {sx:.2f} s, sheets {', '.join(xl.extra['sheets'])}")
        png, sp = timed(export_png, project, out / "demo_4k.png", size=(3840, 2160), dpi=200)
        print(f"demo PNG 3840x2160 @200 dpi: {png.bytes / 1e6:.2f} MB, {sp:.2f} s")
        result.update({"demo_report_s": f"{s:.2f}", "demo_pages": str(rep.pages), "demo_pdf_mb": f"{rep.bytes / 1e6:.2f}",
                       "demo_a3_s": f"{s3:.2f}", "demo_atlas_s": f"{sa:.2f}", "demo_atlas_pages": str(atl.pages),
                       "demo_atlas_mb": f"{atl.bytes / 1e6:.2f}", "demo_html_mb": f"{html.bytes / 1e6:.2f}",
                       "demo_xlsx_s": f"{sx:.2f}", "demo_png_s": f"{sp:.2f}",
                       "demo_images": str(raster_images(out / "demo_report_a4.pdf"))})

    if not args.skip_county:
        proj, sg = timed(county, args.buildings)
        print(f"county: {len(proj.layers['buildings']):,} buildings, {len(proj.layers['villages'])} villages, "
              f"{len(proj.layers['roads']):,} roads (built in {sg:.1f} s)")
        simple, ss = timed(export_pdf, proj, out / "county_a3.pdf", paper="A3", landscape=True, tables=False)
        full, sf = timed(export_pdf, proj, out / "county_a3_unsimplified.pdf", paper="A3", landscape=True,
                         tables=False, simplify_px=None)
        ratio = full.bytes / simple.bytes
        images = raster_images(out / "county_a3.pdf")
        print(f"county A3 map sheet, print simplification: {simple.bytes / 1e6:.1f} MB in {ss:.1f} s "
              f"(scale 1:{simple.maps[0].scale:,}); every screen vertex: {full.bytes / 1e6:.1f} MB in {sf:.1f} s "
              f"→ {ratio:.1f}× smaller; raster images: {images}")
        rep, sr = timed(export_pdf, proj, out / "county_a3_report.pdf", paper="A3", landscape=True)
        print(f"county A3 full report: {rep.pages} pages, {rep.bytes / 1e6:.1f} MB, {sr:.1f} s")
        result.update({"county_buildings": str(len(proj.layers["buildings"])), "county_a3_mb": f"{simple.bytes / 1e6:.1f}",
                       "county_a3_s": f"{ss:.1f}", "county_a3_unsimplified_mb": f"{full.bytes / 1e6:.1f}",
                       "size_ratio": f"{ratio:.2f}", "under_25mb": str(simple.bytes < 25e6).lower(),
                       "county_report_s": f"{sr:.1f}", "county_images": str(images)})
    print(f"outputs in {out}")
    print("RESULT " + " ".join(f"{k}={v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
