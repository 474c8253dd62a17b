"""The cause-and-effect map's layout and drawing, over plain values: columns, order within them, escaping."""

import re
import xml.etree.ElementTree as ElementTree

from web.map_svg import MapEdge, MapNode, crossings, lay_out, layers, map_svg, order

SVG = "{http://www.w3.org/2000/svg}"


def _node(key: str, kind: str, label: str = "") -> MapNode:
    return MapNode(key, kind, label or key, f"/somewhere/{key}")


CHAIN = [
    _node("aim", "objective"),
    _node("gain", "benefit"),
    _node("count", "measure"),
    _node("saving", "derived"),
    _node("total", "derived"),
    _node("calls", "assumption"),
    _node("redesign", "change"),
    _node("crm", "enabler"),
]
CHAIN_EDGES = [
    MapEdge("crm", "redesign"),
    MapEdge("redesign", "calls"),
    MapEdge("calls", "saving", "input"),
    MapEdge("saving", "total", "input"),
    MapEdge("calls", "count", "measures"),
    MapEdge("total", "gain", "values"),
    MapEdge("count", "gain", "evidences"),
    MapEdge("gain", "aim"),
]


def test_columns_follow_the_chain_from_enablers_to_objectives() -> None:
    layer = layers(CHAIN, CHAIN_EDGES)
    assert layer["crm"] < layer["redesign"] < layer["calls"] < layer["saving"] < layer["count"]
    assert layer["count"] < layer["gain"] < layer["aim"]
    # A derived node computed from another derived node takes the next column within its band.
    assert layer["total"] == layer["saving"] + 1
    assert layer["count"] == layer["total"] + 1
    assert sorted(set(layer.values())) == list(range(8))  # no empty columns


def test_an_empty_band_takes_no_column() -> None:
    layer = layers([_node("crm", "enabler"), _node("aim", "objective")], [MapEdge("crm", "aim")])
    assert layer == {"crm": 0, "aim": 1}


def test_ordering_within_columns_removes_avoidable_crossings() -> None:
    nodes = [_node("a", "enabler"), _node("b", "enabler"), _node("x", "change"), _node("y", "change")]
    edges = [MapEdge("a", "y"), MapEdge("b", "x")]
    layer = layers(nodes, edges)
    assert crossings([["a", "b"], ["x", "y"]], edges) == 1
    columns = order(nodes, edges, layer)
    assert crossings(columns, edges) == 0
    assert columns[1].index("y") < columns[1].index("x")


def test_a_larger_map_ends_with_no_more_crossings_than_it_started() -> None:
    enablers = [_node(f"e{i}", "enabler") for i in range(6)]
    changes = [_node(f"c{i}", "change") for i in range(6)]
    benefits = [_node(f"b{i}", "benefit") for i in range(6)]
    edges = [MapEdge(f"e{i}", f"c{(i * 5) % 6}") for i in range(6)]
    edges += [MapEdge(f"c{i}", f"b{(i * 5 + 1) % 6}") for i in range(6)]
    nodes = enablers + changes + benefits
    layer = layers(nodes, edges)
    start = [[n.key for n in group] for group in (enablers, changes, benefits)]
    columns = order(nodes, edges, layer)
    assert crossings(columns, edges) < crossings(start, edges)
    assert crossings(columns, edges) == 0  # a set of chains can always be untangled
    assert sorted(key for column in columns for key in column) == sorted(n.key for n in nodes)


def test_coordinates_put_each_column_to_the_right_of_the_last_without_overlap() -> None:
    layout = lay_out(CHAIN, CHAIN_EDGES)
    assert layout.nodes["crm"].x < layout.nodes["redesign"].x < layout.nodes["gain"].x < layout.nodes["aim"].x
    boxes = sorted((p.x, p.y) for p in layout.nodes.values())
    assert len(set(boxes)) == len(boxes)
    assert all(p.x >= 0 and p.x + 176 <= layout.width and 0 <= p.y <= layout.height for p in layout.nodes.values())


def test_edges_to_unknown_nodes_and_repeats_are_dropped() -> None:
    edges = [MapEdge("crm", "redesign"), MapEdge("crm", "redesign"), MapEdge("crm", "ghost")]
    layout = lay_out([_node("crm", "enabler"), _node("redesign", "change")], edges)
    assert layout.edges == [MapEdge("crm", "redesign")]


def test_the_text_alternative_lists_bands_in_order_with_what_each_node_leads_to() -> None:
    layout = lay_out(CHAIN, CHAIN_EDGES)
    assert [title for title, _ in layout.bands()] == [
        "Enablers", "Changes", "Assumptions", "Derived values", "Measures", "Benefits", "Objectives",
    ]  # fmt: skip
    assert [(relation, node.key) for relation, node in layout.leads_to("calls")] == [
        ("feeds the formula of", "saving"),
        ("is measured by", "count"),
    ]


def test_the_drawing_is_well_formed_svg_with_a_link_per_node() -> None:
    svg = str(map_svg(lay_out(CHAIN, CHAIN_EDGES), title="Map", description="The chain"))
    root = ElementTree.fromstring(svg)
    links = root.findall(f"{SVG}a")
    assert sorted(link.get("href") or "" for link in links) == sorted(node.href for node in CHAIN)
    assert root.get("aria-labelledby") == "map-title map-desc"
    assert root.get("role") is None  # role="img" would hide the links inside from assistive technology
    assert len(root.findall(f".//{SVG}path[@class='edge edge-input']")) == 2
    enabler = next(link for link in links if link.get("data-key") == "crm")
    assert enabler.get("aria-label") == "Enabler: crm"


def test_user_text_cannot_inject_markup() -> None:
    hostile = '<script>alert(1)</script>" onmouseover="alert(2)'
    node = MapNode("b", "benefit", hostile, '/benefits/1" onclick="alert(3)')
    svg = str(map_svg(lay_out([node], []), title=hostile, description=hostile))
    assert "<script>" not in svg
    assert 'onmouseover="' not in svg and 'onclick="' not in svg
    root = ElementTree.fromstring(svg)  # still well-formed: every quote was escaped
    link = root.find(f"{SVG}a")
    assert link is not None
    assert link.get("href") == '/benefits/1" onclick="alert(3)'
    assert root.findtext(f"{SVG}title") == hostile
    assert hostile[:20] in "".join(link.itertext())


def test_long_labels_wrap_in_a_taller_box_and_are_never_cut_short() -> None:
    label = "A very long benefit title that goes on and on well past what one box could ever hold in three lines"
    layout = lay_out([_node("b", "benefit", label), _node("c", "benefit", "Short")], [])
    assert layout.nodes["b"].height > layout.nodes["c"].height
    assert layout.nodes["c"].y >= layout.nodes["b"].y + layout.nodes["b"].height  # stacked without overlap
    root = ElementTree.fromstring(str(map_svg(layout, title="Map", description="")))
    link = root.find(f"{SVG}a[@data-key='b']")
    assert link is not None
    lines = [(span.text or "").strip() for span in link.findall(f"{SVG}text/{SVG}tspan")]
    assert lines[0] == "BENEFIT:"
    assert " ".join(lines[1:]) == label and len(lines) > 4
    assert all(len(line) <= 22 for line in lines)
    assert "".join(link.itertext()).strip() == f"BENEFIT: {label}"  # the lines read on as one name
    assert link.get("aria-label") == f"Benefit: {label}"


def test_nothing_to_draw_says_so() -> None:
    assert "nothing to draw" in str(map_svg(lay_out([], []), title="Map", description=""))
    assert re.search(r"<svg", str(map_svg(lay_out(CHAIN[:1], []), title="Map", description=""))) is not None
