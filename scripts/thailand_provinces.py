"""Build callcenter/social/data/thailand_provinces.geojson from Natural Earth's admin-1 layer.

    python scripts/thailand_provinces.py ne_10m_admin_1_states_provinces.geojson

Natural Earth (naturalearthdata.com, public domain) publishes the layer as
geojson/ne_10m_admin_1_states_provinces.geojson in github.com/nvkelso/natural-earth-vector.
This keeps Thailand's 77 provinces (adm0_a3 == "THA"), names each as
callcenter/social/data/provinces.json does (English as the Royal Institute writes it, and
Thai), simplifies the outlines (Douglas-Peucker, `TOLERANCE` degrees, about 1.5 km) and
rounds coordinates to 0.001 degree: about 100 kB instead of 1 MB, plenty for a phone map.
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import Any

from callcenter.social import places

OUT = Path(__file__).parents[1] / "callcenter" / "social" / "data" / "thailand_provinces.geojson"
TOLERANCE = 0.012
Point = tuple[float, float]


def _distance(p: Point, a: Point, b: Point) -> float:
    (x, y), (x1, y1), (x2, y2) = p, a, b
    dx, dy = x2 - x1, y2 - y1
    if dx == dy == 0:
        return math.hypot(x - x1, y - y1)
    t = max(0.0, min(1.0, ((x - x1) * dx + (y - y1) * dy) / (dx * dx + dy * dy)))
    return math.hypot(x - (x1 + t * dx), y - (y1 + t * dy))


def simplify(points: list[Point], tolerance: float) -> list[Point]:
    """Douglas-Peucker, iterative (rings have thousands of points)."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        far, index = 0.0, first
        for i in range(first + 1, last):
            d = _distance(points[i], points[first], points[last])
            if d > far:
                far, index = d, i
        if far > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [p for p, k in zip(points, keep, strict=True) if k]


def _ring(ring: list[list[float]]) -> list[list[float]] | None:
    out = simplify([(p[0], p[1]) for p in ring], TOLERANCE)
    if len(out) < 4:
        return None  # an islet smaller than the tolerance
    return [[round(x, 3), round(y, 3)] for x, y in out]


def _polygons(geometry: dict[str, Any]) -> list[list[list[list[float]]]]:
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [
        geometry["coordinates"]]  # fmt: skip
    out = []
    for poly in polys:
        rings = [r for r in (_ring(ring) for ring in poly[:1]) if r]  # outer rings only
        if rings:
            out.append(rings)
    return out


def main(source: str) -> None:
    data = json.loads(Path(source).read_text(encoding="utf-8"))
    thai = places.thai_names()
    features = []
    for feature in data["features"]:
        p = feature["properties"]
        if p.get("adm0_a3") != "THA":
            continue
        local = (p.get("name_local") or "").removeprefix("จังหวัด")
        name = places.province(p.get("name_en"), p.get("name"), p.get("name_alt"), local)
        if name is None:
            raise SystemExit(f"no province for {p.get('name')!r} / {p.get('name_local')!r}")
        polygons = _polygons(feature["geometry"])
        features.append({
            "type": "Feature",
            "properties": {"en": name, "th": thai[name], "iso_3166_2": p.get("iso_3166_2")},
            "geometry": {"type": "MultiPolygon", "coordinates": polygons},
        })  # fmt: skip
    names = {f["properties"]["en"] for f in features}
    if len(features) != 77 or len(names) != 77:
        raise SystemExit(f"{len(features)} features, {len(names)} provinces: expected 77")
    features.sort(key=lambda f: f["properties"]["en"])
    out = {
        "type": "FeatureCollection",
        "_about": "Thailand's 77 provinces from Natural Earth's 1:10m admin-1 states and provinces "
        "(public domain, naturalearthdata.com), simplified by scripts/thailand_provinces.py.",
        "features": features,
    }
    OUT.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")) + "\n",
                   encoding="utf-8")  # fmt: skip
    print(f"{OUT}: {len(features)} provinces, {OUT.stat().st_size // 1024} kB")


if __name__ == "__main__":
    main(sys.argv[1])
