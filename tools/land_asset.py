#!/usr/bin/env python3
"""Convert Natural Earth land outlines (TopoJSON from the npm package
world-atlas) into assets/land-110m.txt, the compact text asset that
src/render/svg.rs embeds for maps.

Run once, by hand, when the outlines should change; the output is committed
so that builds need neither npm nor network access:

    mkdir -p /tmp/wa && cd /tmp/wa && npm install world-atlas
    python3 tools/land_asset.py /tmp/wa/node_modules/world-atlas/land-110m.json \
        > assets/land-110m.txt

Python 3 standard library only. Steps: decode the quantized, delta-encoded
arcs; stitch each polygon's rings from its arcs; round every coordinate to
0.1 degree; drop repeated and collinear points; simplify with
Douglas-Peucker (tolerance --tolerance degrees); drop rings left with fewer
than three distinct points or no area.

Output format (read by `land()` in src/render/svg.rs):
  * lines starting with '#' are comments;
  * every other line is one polygon: rings separated by ';', the first the
    outer boundary, the others holes (the Caspian Sea is one);
  * a ring is space-separated points `LON,LAT` as integers in tenths of a
    degree (`457,433` is 45.7 E, 43.3 N); rings are implicitly closed.
"""

import argparse
import json
import sys

ATTRIBUTION = "Land outlines: Natural Earth, public domain, via world-atlas"


def decode_arcs(topology):
    """Absolute (lon, lat) points of every arc, in degrees."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        points = []
        x = y = 0
        for position in arc:
            if transform:
                x += position[0]
                y += position[1]
                (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
                points.append((x * sx + tx, y * sy + ty))
            else:
                points.append((position[0], position[1]))
        arcs.append(points)
    return arcs


def stitch(ring_arcs, arcs):
    """The points of a ring made of arcs (negative index: reversed arc)."""
    points = []
    for index in ring_arcs:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their joining point.
        points.extend(arc if not points else arc[1:])
    return points


def polygons(geometry):
    kind = geometry["type"]
    if kind == "Polygon":
        return [geometry["arcs"]]
    if kind == "MultiPolygon":
        return geometry["arcs"]
    if kind == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in polygons(g)]
    return []


def unwrap(points):
    """Make longitudes continuous (a ring crossing the antimeridian gets
    longitudes beyond +-180). A ring around a pole (Antarctica) crosses an
    odd number of times: close it along the pole's parallel."""
    out = [points[0]]
    for lon, lat in points[1:]:
        prev = out[-1][0]
        while lon - prev > 180:
            lon -= 360
        while prev - lon > 180:
            lon += 360
        out.append((lon, lat))
    drift = out[-1][0] - out[0][0]
    if abs(drift) > 180:
        pole = -90.0 if min(lat for _, lat in out) < 0 else 90.0
        out.append((out[-1][0], pole))
        out.append((out[0][0], pole))
    return out


def clip_half(points, x, keep_below):
    """Sutherland-Hodgman: the part of a ring with lon <= x (or >= x)."""
    inside = (lambda p: p[0] <= x) if keep_below else (lambda p: p[0] >= x)
    out = []
    for i, cur in enumerate(points):
        prev = points[i - 1]
        if inside(cur) != inside(prev):
            t = (x - prev[0]) / (cur[0] - prev[0])
            out.append((x, prev[1] + t * (cur[1] - prev[1])))
        if inside(cur):
            out.append(cur)
    return out


def split_antimeridian(points):
    """The ring as one or more rings within -180..180 degrees."""
    ring = unwrap(points)
    lons = [lon for lon, _ in ring]
    if -180 <= min(lons) and max(lons) <= 180:
        return [ring]
    pieces = []
    for shift in (-360, 0, 360):
        shifted = [(lon + shift, lat) for lon, lat in ring]
        piece = clip_half(clip_half(shifted, 180, True), -180, False)
        if len(piece) >= 3:
            pieces.append(piece)
    return pieces


def contains(ring, point):
    """Even-odd point-in-polygon test."""
    x, y = point
    inside = False
    for i, (x1, y1) in enumerate(ring):
        x0, y0 = ring[i - 1]
        if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
            inside = not inside
    return inside


def round_ring(points):
    """Integer tenths of a degree, without repeats and the closing point."""
    out = []
    for lon, lat in points:
        p = (round(lon * 10), round(lat * 10))
        if not out or out[-1] != p:
            out.append(p)
    while len(out) > 1 and out[0] == out[-1]:
        out.pop()
    return out


def cross(o, a, b):
    return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])


def drop_collinear(ring):
    changed = True
    while changed and len(ring) > 3:
        changed = False
        out = []
        n = len(ring)
        for i in range(n):
            if cross(ring[i - 1], ring[i], ring[(i + 1) % n]) == 0:
                changed = True
                continue
            out.append(ring[i])
        if len(out) < 3:
            return out
        ring = out
    return ring


def distance2(p, a, b):
    """Squared distance from p to the segment a-b."""
    dx, dy = b[0] - a[0], b[1] - a[1]
    if dx == 0 and dy == 0:
        return (p[0] - a[0]) ** 2 + (p[1] - a[1]) ** 2
    t = ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)
    t = max(0.0, min(1.0, t))
    x, y = a[0] + t * dx, a[1] + t * dy
    return (p[0] - x) ** 2 + (p[1] - y) ** 2


def douglas_peucker(points, tolerance2):
    """Simplify an open polyline, keeping both ends."""
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        best, index = -1.0, None
        for i in range(first + 1, last):
            d = distance2(points[i], points[first], points[last])
            if d > best:
                best, index = d, i
        if index is not None and best > tolerance2:
            keep[index] = True
            stack.append((first, index))
            stack.append((index, last))
    return [p for p, k in zip(points, keep) if k]


def simplify_ring(ring, tolerance):
    """Douglas-Peucker on a closed ring: split it at its first point and the
    point farthest from it, and simplify both halves."""
    if tolerance <= 0 or len(ring) < 5:
        return ring
    tolerance2 = (tolerance * 10) ** 2  # ring is in tenths of a degree
    far = max(range(len(ring)), key=lambda i: (ring[i][0] - ring[0][0]) ** 2 + (ring[i][1] - ring[0][1]) ** 2)
    first = douglas_peucker(ring[: far + 1], tolerance2)
    second = douglas_peucker(ring[far:] + [ring[0]], tolerance2)
    return first[:-1] + second[:-1]


def area2(ring):
    return sum(ring[i - 1][0] * ring[i][1] - ring[i][0] * ring[i - 1][1] for i in range(len(ring)))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", help="world-atlas land-110m.json (or land-50m.json, countries-110m.json)")
    parser.add_argument("--object", default="land", help="TopoJSON object to read (default: land)")
    parser.add_argument("--tolerance", type=float, default=0.05, help="Douglas-Peucker tolerance in degrees (default 0.05)")
    args = parser.parse_args()

    with open(args.topojson, encoding="utf-8") as f:
        topology = json.load(f)
    arcs = decode_arcs(topology)
    lines = []
    points_in = points_out = 0
    for polygon in polygons(topology["objects"][args.object]):
        stitched = [stitch(ring_arcs, arcs) for ring_arcs in polygon]
        points_in += sum(len(ring) for ring in stitched)
        outers = split_antimeridian(stitched[0])
        for outer in outers:
            # A hole goes with the piece of the outer ring that holds it.
            holes = [h for h in stitched[1:] if len(outers) == 1 or contains(outer, h[0])]
            rings = []
            for ring in [outer] + holes:
                ring = drop_collinear(simplify_ring(drop_collinear(round_ring(ring)), args.tolerance))
                if len(ring) < 3 or area2(ring) == 0:
                    if not rings:
                        break  # the outer ring vanished: so does the polygon
                    continue
                points_out += len(ring)
                rings.append(" ".join(f"{lon},{lat}" for lon, lat in ring))
            if rings:
                lines.append(";".join(rings))
    # Largest polygons first is not needed; keep a stable order by first point.
    lines.sort()
    out = sys.stdout
    out.write(f"# {ATTRIBUTION}.\n")
    out.write("# Natural Earth 1:110m land, version 4.1.0 as packaged by world-atlas (topojson/world-atlas).\n")
    out.write(f"# Generated by tools/land_asset.py (Douglas-Peucker tolerance {args.tolerance} degree) from\n")
    out.write(f"# {args.object} in {args.topojson.rsplit('/', 1)[-1]}: {points_in} points in, {points_out} out, {len(lines)} polygons.\n")
    out.write("# One polygon a line; rings separated by ';' (outer first, then holes);\n")
    out.write("# points `LON,LAT` in tenths of a degree. Do not edit by hand.\n")
    for line in lines:
        out.write(line + "\n")


if __name__ == "__main__":
    main()
