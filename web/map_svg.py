"""The cause-and-effect map drawn on the server as a layered SVG diagram: plain values in, positions and markup out.

Columns run left to right along the benefits-dependency chain. Within each column nodes are ordered to cross as few
edges as the barycentre heuristic finds, then stacked and centred. Every node is a link to its own page.
"""

import textwrap
from collections import defaultdict
from dataclasses import dataclass, field

from markupsafe import Markup, escape

# Each kind's band, left to right. Assumptions follow the changes that move them and come before the derived nodes
# computed from them, so the numbers read left to right into the benefits they value; measures sit between the
# numbers they observe and the benefits they evidence. A band whose nodes depend on each other (derived nodes
# computed from derived nodes, a benefit leading to another) takes as many columns as its longest such chain.
BANDS = {"enabler": 0, "change": 1, "assumption": 2, "derived": 3, "measure": 4, "model_benefit": 5, "benefit": 5,
         "objective": 6}  # fmt: skip
BAND_TITLES = ["Enablers", "Changes", "Assumptions", "Derived values", "Measures", "Benefits", "Objectives"]
KIND_CAPTIONS = {"enabler": "Enabler", "change": "Change", "assumption": "Assumption", "derived": "Derived",
                 "measure": "Measure", "model_benefit": "Benefit in the model", "benefit": "Benefit",
                 "objective": "Objective"}  # fmt: skip
# How each kind of edge reads in words, from its source's side.
RELATIONS = {"link": "leads to", "input": "feeds the formula of", "values": "values", "measures": "is measured by",
             "evidences": "evidences"}  # fmt: skip
SWEEPS = 6

BOX_W, BOX_H = 176, 72  # the least height: a caption and up to three lines of label
LINE = 15
COL_GAP, ROW_GAP = 56, 18
MARGIN, HEADER = 16, 34
WRAP = 22  # characters a line of a label holds at 12px in a box this wide (a hexagon is the narrowest)
FILLS = {"enabler": "#e8f1f8", "change": "#edf6e6", "assumption": "#fff6dc", "derived": "#f2edf9",
         "measure": "#e3f3ef", "model_benefit": "#fcebeb", "benefit": "#fcebeb", "objective": "#eeeeee"}  # fmt: skip
DASHES = {"link": "", "input": "6 3", "values": "", "measures": "2 3", "evidences": "2 3"}


@dataclass(frozen=True)
class MapNode:
    """One box of the map: a model node, a measure or a benefit, with the page it links to."""

    key: str
    kind: str
    label: str
    href: str


@dataclass(frozen=True)
class MapEdge:
    """An arrow from cause to effect; `kind` is one of RELATIONS."""

    source: str
    target: str
    kind: str = "link"


@dataclass(frozen=True)
class PlacedNode:
    """A node with its column and its box's top-left corner."""

    node: MapNode
    layer: int
    x: float
    y: float
    lines: tuple[str, ...] = ()

    @property
    def height(self) -> float:
        """The box's height: tall enough for every line of its label, which is never cut short."""
        return max(BOX_H, 27 + LINE * len(self.lines))


@dataclass
class MapLayout:
    """The whole map placed: boxes, arrows, column headings, and each band's nodes for the text alternative."""

    nodes: dict[str, PlacedNode]
    edges: list[MapEdge]
    columns: list[list[str]]
    width: float
    height: float
    headings: list[tuple[float, str]] = field(default_factory=list)

    def bands(self) -> list[tuple[str, list[MapNode]]]:
        """Each band's title and its nodes, left to right and top to bottom, leaving out empty bands."""
        found: dict[int, list[MapNode]] = defaultdict(list)
        for column in self.columns:
            for key in column:
                node = self.nodes[key].node
                found[BANDS[node.kind]].append(node)
        return [(BAND_TITLES[band], found[band]) for band in sorted(found)]

    def leads_to(self, key: str) -> list[tuple[str, MapNode]]:
        """What a node leads to, each with the relation in words."""
        return [(RELATIONS[edge.kind], self.nodes[edge.target].node) for edge in self.edges if edge.source == key]


def layers(nodes: list[MapNode], edges: list[MapEdge]) -> dict[str, int]:
    """Each node's column: bands in chain order, and within a band the longest chain of edges inside it."""
    kind = {node.key: node.kind for node in nodes}
    inside: dict[str, list[str]] = defaultdict(list)  # a node's predecessors in its own band
    for edge in edges:
        if edge.source in kind and edge.target in kind and BANDS[kind[edge.source]] == BANDS[kind[edge.target]]:
            inside[edge.target].append(edge.source)
    depth = {node.key: 0 for node in nodes}
    # Longest path by relaxation; at most one pass per node, so a loop (which a checked model cannot have) ends.
    for _ in range(len(nodes)):
        changed = False
        for key, sources in inside.items():
            deepest = max(depth[source] + 1 for source in sources)
            if deepest > depth[key] and deepest < len(nodes):
                depth[key], changed = deepest, True
        if not changed:
            break
    widths: dict[int, int] = {}
    for key, level in depth.items():
        band = BANDS[kind[key]]
        widths[band] = max(widths.get(band, 0), level + 1)
    start, offset = {}, 0
    for band in sorted(widths):
        start[band] = offset
        offset += widths[band]
    return {key: start[BANDS[kind[key]]] + depth[key] for key in depth}


def crossings(columns: list[list[str]], edges: list[MapEdge]) -> int:
    """How many pairs of edges cross, counting edges that join the same two columns."""
    where = {key: (layer, index) for layer, column in enumerate(columns) for index, key in enumerate(column)}
    groups: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
    for edge in edges:
        if edge.source not in where or edge.target not in where:
            continue
        (a_layer, a_index), (b_layer, b_index) = where[edge.source], where[edge.target]
        if a_layer == b_layer:
            continue
        if a_layer > b_layer:
            a_layer, a_index, b_layer, b_index = b_layer, b_index, a_layer, a_index
        groups[(a_layer, b_layer)].append((a_index, b_index))
    count = 0
    for pairs in groups.values():
        for i, (a1, b1) in enumerate(pairs):
            for a2, b2 in pairs[i + 1 :]:
                if (a1 - a2) * (b1 - b2) < 0:
                    count += 1
    return count


def order(nodes: list[MapNode], edges: list[MapEdge], layer_of: dict[str, int]) -> list[list[str]]:
    """Each column's nodes top to bottom: the barycentre sweep (left to right, then back), keeping the best found."""
    count = max(layer_of.values(), default=-1) + 1
    columns: list[list[str]] = [[] for _ in range(count)]
    for node in nodes:  # the author's order to start with
        columns[layer_of[node.key]].append(node.key)
    neighbours: dict[str, list[str]] = defaultdict(list)
    for edge in edges:
        if edge.source in layer_of and edge.target in layer_of:
            neighbours[edge.source].append(edge.target)
            neighbours[edge.target].append(edge.source)

    def place(columns: list[list[str]]) -> dict[str, float]:
        # Positions as a share of the column's height, so columns of different lengths compare.
        return {key: (index + 0.5) / len(column) for column in columns for index, key in enumerate(column)}

    def sweep(columns: list[list[str]], layer: int, left: bool) -> None:
        position = place(columns)

        def barycentre(key: str) -> float:
            near = [position[other] for other in neighbours[key]
                    if (layer_of[other] < layer if left else layer_of[other] > layer)]  # fmt: skip
            return sum(near) / len(near) if near else position[key]

        columns[layer] = sorted(columns[layer], key=barycentre)  # stable: ties keep their order

    best, fewest = [list(column) for column in columns], crossings(columns, edges)
    for _ in range(SWEEPS):
        for layer in range(1, count):
            sweep(columns, layer, left=True)
        for layer in range(count - 2, -1, -1):
            sweep(columns, layer, left=False)
        found = crossings(columns, edges)
        if found < fewest:
            best, fewest = [list(column) for column in columns], found
    return best


def lay_out(nodes: list[MapNode], edges: list[MapEdge]) -> MapLayout:
    """The map placed: columns, order within them, and each box's position (edges to unknown nodes are dropped)."""
    unique = list({node.key: node for node in nodes}.values())
    known = {node.key for node in unique}
    kept = list(dict.fromkeys(edge for edge in edges if edge.source in known and edge.target in known
                              and edge.source != edge.target))  # fmt: skip
    layer_of = layers(unique, kept)
    columns = order(unique, kept, layer_of)
    by_key = {node.key: node for node in unique}
    lines = {key: tuple(_lines(node.label)) for key, node in by_key.items()}
    heights = {key: PlacedNode(node, 0, 0, 0, lines[key]).height for key, node in by_key.items()}

    def extent(column: list[str]) -> float:
        return sum(heights[key] + ROW_GAP for key in column) - ROW_GAP

    full = max((extent(column) for column in columns), default=0)
    placed: dict[str, PlacedNode] = {}
    headings: list[tuple[float, str]] = []
    seen_bands: set[int] = set()
    for layer, column in enumerate(columns):
        x = MARGIN + layer * (BOX_W + COL_GAP)
        y = HEADER + (full - extent(column)) / 2
        for key in column:
            placed[key] = PlacedNode(by_key[key], layer, x, y, lines[key])
            y += heights[key] + ROW_GAP
        band = BANDS[by_key[column[0]].kind] if column else -1
        if column and band not in seen_bands:
            seen_bands.add(band)
            headings.append((x, BAND_TITLES[band]))
    width = MARGIN * 2 + len(columns) * (BOX_W + COL_GAP) - COL_GAP if columns else 0
    height = HEADER + full + MARGIN + 40  # room below for arrows that turn back
    return MapLayout(nodes=placed, edges=kept, columns=columns, width=width, height=height, headings=headings)


def _lines(label: str) -> list[str]:
    # Never cut short: what a box shows is also its link's name, so it must be the whole label.
    return textwrap.wrap(label, WRAP, break_on_hyphens=False) or [""]


def _shape(kind: str, x: float, y: float, h: float) -> str:
    """A box whose outline tells its kind even in black and white."""
    w, fill = BOX_W, FILLS[kind]
    paint = f'fill="{fill}" stroke="#1b1b1b" class="shape"'
    if kind == "assumption":  # a slanted box, as flowcharts draw an input
        return (f'<polygon points="{x + 10},{y} {x + w},{y} {x + w - 10},{y + h} {x},{y + h}" '
                f'stroke-width="1.5" {paint}/>')  # fmt: skip
    if kind == "derived":  # a hexagon, for a value that is computed
        return (f'<polygon points="{x + 12},{y} {x + w - 12},{y} {x + w},{y + h / 2} {x + w - 12},{y + h} '
                f'{x + 12},{y + h} {x},{y + h / 2}" stroke-width="1.5" {paint}/>')  # fmt: skip
    if kind == "objective":  # a double outline
        inner = f'<rect x="{x + 4}" y="{y + 4}" width="{w - 8}" height="{h - 8}" fill="none" stroke="#1b1b1b"/>'
        return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" stroke-width="1.5" {paint}/>{inner}'
    corner = {"enabler": 0, "change": 14, "measure": 24, "model_benefit": 14, "benefit": 0}[kind]
    stroke = 3 if kind in ("benefit", "model_benefit") else 1.5
    return f'<rect x="{x}" y="{y}" width="{w}" height="{h}" rx="{corner}" stroke-width="{stroke}" {paint}/>'


def _edge(source: PlacedNode, target: PlacedNode, kind: str) -> str:
    if target.x > source.x:
        x1, y1 = source.x + BOX_W, source.y + source.height / 2
        x2, y2 = target.x, target.y + target.height / 2
        bend = (x2 - x1) / 2
        path = f"M{x1:.1f},{y1:.1f} C{x1 + bend:.1f},{y1:.1f} {x2 - bend:.1f},{y2:.1f} {x2:.1f},{y2:.1f}"
    else:  # an edge that turns back (or runs down its own column) loops below the boxes
        x1, y1 = source.x + BOX_W / 2, source.y + source.height
        x2, y2 = target.x + BOX_W / 2, target.y + target.height
        path = f"M{x1:.1f},{y1:.1f} C{x1:.1f},{y1 + 40:.1f} {x2:.1f},{y2 + 40:.1f} {x2:.1f},{y2:.1f}"
    width = 2.5 if kind == "values" else 1.5
    dash = f' stroke-dasharray="{DASHES[kind]}"' if DASHES[kind] else ""
    return (f'<path d="{path}" fill="none" stroke="#505a5f" stroke-width="{width}"{dash} '
            f'marker-end="url(#map-arrow)" class="edge edge-{kind}"/>')  # fmt: skip


def map_svg(layout: MapLayout, *, title: str, description: str) -> Markup:
    """The map as SVG: a focusable link per box, its kind written in it, arrows styled by kind of link."""
    if not layout.nodes:
        return Markup("<p>There is nothing to draw yet: no model, measures or benefits.</p>")
    w, h = f"{layout.width:.0f}", f"{layout.height:.0f}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" class="map" '
        f'aria-labelledby="map-title map-desc">',
        f'<title id="map-title">{escape(title)}</title>',
        f'<desc id="map-desc">{escape(description)}</desc>',
        '<defs><marker id="map-arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" '
        'orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#505a5f"/></marker></defs>',
    ]
    for x, heading in layout.headings:
        parts.append(f'<text x="{x:.1f}" y="{HEADER - 14}" font-size="14" font-weight="700" fill="#1b1b1b">'
                     f"{escape(heading)}</text>")  # fmt: skip
    parts.append('<g aria-hidden="true">')
    for edge in layout.edges:
        parts.append(_edge(layout.nodes[edge.source], layout.nodes[edge.target], edge.kind))
    parts.append("</g>")
    for placed in layout.nodes.values():
        node, x, y = placed.node, placed.x, placed.y
        caption = KIND_CAPTIONS[node.kind]
        parts.append(
            f'<a href="{escape(node.href)}" class="map-node map-{node.kind}" aria-label="{escape(caption)}: '
            f'{escape(node.label)}" data-key="{escape(node.key)}" data-layer="{placed.layer}" '
            f'data-x="{x:.1f}" data-y="{y:.1f}">'
            f"{_shape(node.kind, x, y, placed.height)}"
            f'<text x="{x + 14:.1f}" y="{y + 16:.1f}" font-size="12" fill="#1b1b1b">'
            f'<tspan font-size="10" letter-spacing=".04em">{escape(caption.upper())}: </tspan>'
        )
        # One text element, a line a tspan, each ending in a space: read aloud, the lines run on as one name.
        for index, line in enumerate(placed.lines):
            parts.append(f'<tspan x="{x + 14:.1f}" y="{y + 33 + index * LINE:.1f}">{escape(line)} </tspan>')
        parts.append("</text>")
        parts.append("</a>")
    parts.append("</svg>")
    # Every piece of text above went through escape(); the rest is numbers and fixed markup.
    return Markup("".join(parts))  # noqa: S704
