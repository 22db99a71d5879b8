"""Thailand's provinces as SVG paths for the desk's map: no tiles, nothing online.

The outlines are Natural Earth's (public domain; data/NATURAL_EARTH.txt), shipped simplified
in data/thailand_provinces.geojson. They are drawn in an equirectangular projection
scaled by the cosine of the middle latitude (Thailand spans 6-21 degrees N: the distortion
is small), north up, in a viewBox `WIDTH` wide.
"""

from __future__ import annotations

import json
import math
from functools import cache
from importlib import resources
from typing import Any

WIDTH = 300.0


@cache
def shapes() -> dict[str, Any]:
    """{"view_box": "0 0 w h", "provinces": [{"province", "province_th", "iso", "d"}]}."""
    raw = resources.files("callcenter.social").joinpath("data/thailand_provinces.geojson")
    data = json.loads(raw.read_text(encoding="utf-8"))
    points = [p for f in data["features"] for poly in f["geometry"]["coordinates"]
              for ring in poly for p in ring]  # fmt: skip
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squeeze = math.cos(math.radians((south + north) / 2))
    scale = WIDTH / ((east - west) * squeeze)
    height = (north - south) * scale

    def path(polygons: list[list[list[list[float]]]]) -> str:
        out = []
        for poly in polygons:
            for ring in poly:
                xy = [f"{(lon - west) * squeeze * scale:.1f},{(north - lat) * scale:.1f}"
                      for lon, lat in ring]  # fmt: skip
                out.append("M" + "L".join(xy) + "Z")
        return "".join(out)

    provinces = [
        {"province": f["properties"]["en"], "province_th": f["properties"]["th"],
         "iso": f["properties"]["iso_3166_2"], "d": path(f["geometry"]["coordinates"])}
        for f in data["features"]
    ]  # fmt: skip
    return {"view_box": f"0 0 {WIDTH:.0f} {height:.0f}", "provinces": provinces}
