"""The relationship map: the customer's org chart of stakeholders, read for one user and laid out on the
server, so the page, its SVG/PNG downloads and the API all show the same picture.

Reading costs a fixed number of queries whatever the size of the account (the accounts on the map, their
editable subset, the contacts with their owners). The layout is a tidy tree in O(n): every leaf gets its
own column, a manager sits centred over its reports, and a manager whose reports are all leaves stacks
them in one column below it — an org chart of 150 people stays a few columns wide instead of 150.

What the user may not see never reaches the map: a person whose manager is on a hidden account, or not on
this map at all, is drawn as one more root, and the manager's name is never read.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import timezone
from django.utils.html import escape

from kamdesk.access.scope import EDIT, visible_accounts
from kamdesk.accounts.models import Account, AccountClosure
from kamdesk.people.models import ATTITUDE_LABELS, BuyingRole, Contact
from kamdesk.users.models import User

# Geometry of the drawing, in SVG user units (pixels at scale 1).
NODE_WIDTH = 184
NODE_HEIGHT = 112  # six lines of text; the SVG template places them
COLUMN_WIDTH = 208  # node plus the gap between columns
ROW_HEIGHT = 156  # one level of the chart: node plus room for the connector
STACK_STEP = 128  # distance between stacked leaves under one manager
STACK_INDENT = 20  # stacked leaves sit a little to the right, so the connector runs down their left side
MARGIN = 24
LEGEND_HEIGHT = 40
LEGEND_STEP = 110  # horizontal room for one legend entry
# Stacking only pays off from this many leaf reports on; fewer sit side by side like everyone else.
STACK_FROM = 3
# People on their own (no manager, no reports on the map) fill a grid this many columns wide.
LONE_COLUMNS = 5
# Longer texts are cut in the drawing (the full text is in the node's tooltip and in the table).
MAX_TEXT = 26

# Attitude: a colour for the eye, and always its word too (never colour alone).
ATTITUDE_COLOURS = {
    -2: "#b71c1c",
    -1: "#bf360c",
    0: "#616161",
    1: "#2e7d32",
    2: "#1b5e20",
    None: "#757575",
}
BUYING_ROLE_LABELS = dict(BuyingRole.choices)


@dataclass(eq=False)
class Node:
    id: int
    name: str
    title: str
    account_id: int | None
    account_name: str | None
    buying_role: str | None
    buying_role_label: str
    influence: int | None
    attitude: int | None
    attitude_label: str
    attitude_colour: str
    owner_id: int | None
    owner_name: str | None
    last_contacted_at: object
    days_since_contact: int | None
    has_left: bool
    editable: bool
    reports_to_id: int | None = None  # only when that manager is on this map
    manager_name: str | None = None
    depth: int = 0
    stacked: bool = False
    x: int = 0
    y: int = 0
    children: list = field(default_factory=list, repr=False)

    @property
    def last_contact_text(self) -> str:
        if self.days_since_contact is None:
            return "never"
        if self.days_since_contact <= 0:
            return "today"
        return "1 day ago" if self.days_since_contact == 1 else f"{self.days_since_contact} days ago"

    def short(self, text: str | None) -> str:
        text = text or ""
        return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"

    @property
    def short_name(self) -> str:
        return self.short(self.name)

    @property
    def short_title(self) -> str:
        return self.short(self.title)

    @property
    def short_owner(self) -> str:
        return self.short(f"Owner: {self.owner_name}" if self.owner_name else "Owner: nobody")

    @property
    def role_line(self) -> str:
        influence = f"influence {self.influence}/5" if self.influence else "influence ?"
        return self.short(f"{self.buying_role_label or 'No role'} · {influence}")

    @property
    def centre_x(self) -> int:
        return self.x + NODE_WIDTH // 2

    @property
    def width(self) -> int:
        return NODE_WIDTH - STACK_INDENT if self.stacked else NODE_WIDTH

    @property
    def bottom(self) -> int:
        return self.y + NODE_HEIGHT


@dataclass
class Edge:
    manager: Node
    report: Node

    @property
    def path(self) -> str:
        """An elbow connector: down from the manager, across, down into the report (or along its left side)."""
        m, r = self.manager, self.report
        if r.stacked:
            x = m.x + STACK_INDENT // 2
            return f"M{x},{m.bottom} V{r.y + NODE_HEIGHT // 2} H{r.x}"
        middle = m.bottom + (r.y - m.bottom) // 2
        return f"M{m.centre_x},{m.bottom} V{middle} H{r.centre_x} V{r.y}"


@dataclass
class RelationshipMap:
    account: Account
    include_subsidiaries: bool
    include_left: bool
    nodes: list[Node]
    edges: list[Edge]
    width: int
    height: int
    account_count: int

    @property
    def roots(self) -> list[Node]:
        return [node for node in self.nodes if node.reports_to_id is None]

    @property
    def legend(self) -> list[dict]:
        values = [2, 1, 0, -1, -2, None]
        return [
            {"label": ATTITUDE_LABELS.get(v, "Unknown"), "colour": ATTITUDE_COLOURS[v], "x": MARGIN + i * LEGEND_STEP}
            for i, v in enumerate(values)
        ]


# --- reading -------------------------------------------------------------------------------------------------


def map_account_ids(user: User, account: Account, include_subsidiaries: bool) -> list[int]:
    """The account, and with ``include_subsidiaries`` every subsidiary the user may see (one query)."""
    if not include_subsidiaries:
        return [account.pk]
    below = AccountClosure.objects.filter(ancestor_id=account.pk).values("descendant_id")
    return list(visible_accounts(user).filter(id__in=below).values_list("id", flat=True))


def map_contacts(account_ids: list[int], include_left: bool):
    """Stakeholders of the accounts (main or further account), with their relationship owner and main account.
    Those there through a further account are read first, as a list: with a subquery in the OR PostgreSQL
    reads every stakeholder."""
    further = Contact.other_accounts.through.objects.filter(account_id__in=account_ids)
    further_ids = list(further.values_list("contact_id", flat=True))
    contacts = (
        Contact.objects.filter(Q(account_id__in=account_ids) | Q(id__in=further_ids))
        .select_related("owner", "account")
        .only(
            "id",
            "first_name",
            "last_name",
            "title",
            "account_id",
            "account__name",
            "reports_to_id",
            "buying_role",
            "influence",
            "attitude",
            "owner_id",
            "owner__first_name",
            "owner__last_name",
            "owner__email",
            "last_contacted_at",
            "has_left",
        )
    )
    return contacts if include_left else contacts.filter(has_left=False)


def _days_since(moment, today: date) -> int | None:
    if moment is None:
        return None
    return (today - timezone.localtime(moment).date()).days


def _node(contact: Contact, today: date, editable_ids: set[int], visible_ids: set[int]) -> Node:
    owner = contact.owner
    return Node(
        id=contact.pk,
        name=contact.full_name,
        title=contact.title,
        # Someone on the map through a further account may work for an account the user cannot see.
        account_id=contact.account_id if contact.account_id in visible_ids else None,
        account_name=contact.account.name if contact.account_id in visible_ids else None,
        buying_role=contact.buying_role or None,
        buying_role_label=BUYING_ROLE_LABELS.get(contact.buying_role, ""),
        influence=contact.influence,
        attitude=contact.attitude,
        attitude_label=contact.attitude_label,
        attitude_colour=ATTITUDE_COLOURS.get(contact.attitude, ATTITUDE_COLOURS[None]),
        owner_id=contact.owner_id,
        owner_name=(owner.full_name or owner.email) if owner else None,
        last_contacted_at=contact.last_contacted_at,
        days_since_contact=_days_since(contact.last_contacted_at, today),
        has_left=contact.has_left,
        editable=contact.account_id in editable_ids,
        reports_to_id=contact.reports_to_id,
    )


def relationship_map(
    user: User, account: Account, *, include_subsidiaries: bool = True, include_left: bool = False
) -> RelationshipMap:
    """The map of an account the caller has already checked ``user`` may see."""
    account_ids = map_account_ids(user, account, include_subsidiaries)
    contacts = list(map_contacts(account_ids, include_left))
    account_refs = {c.account_id for c in contacts} | set(account_ids)
    visible_ids = set(visible_accounts(user).filter(id__in=account_refs).values_list("id", flat=True))
    editable_ids = set(visible_accounts(user, EDIT).filter(id__in=account_refs).values_list("id", flat=True))
    today = timezone.localdate()
    nodes = [_node(contact, today, editable_ids, visible_ids) for contact in contacts]
    nodes, edges, width, height = layout(nodes)
    return RelationshipMap(
        account=account,
        include_subsidiaries=include_subsidiaries,
        include_left=include_left,
        nodes=nodes,
        edges=edges,
        width=width,
        height=height,
        account_count=len(account_ids),
    )


# --- layout ------------------------------------------------------------------------------------------------


def _order(node: Node) -> tuple:
    # Most influential first, then by name: the same chart every time.
    return (-(node.influence or 0), node.name.lower(), node.id)


def _link(nodes: list[Node]) -> list[Node]:
    """Attach each node to its manager when that manager is on the map; the others become roots."""
    by_id = {node.id: node for node in nodes}
    roots = []
    for node in nodes:
        node.children = []
    for node in nodes:
        manager = by_id.get(node.reports_to_id)
        if manager is None or manager is node:
            node.reports_to_id = None  # a hidden or absent manager is never named, not even by id
            roots.append(node)
        else:
            node.manager_name = manager.name
            manager.children.append(node)
    for node in nodes:
        node.children.sort(key=_order)
    roots.sort(key=_order)
    return roots


def _walk(roots: list[Node], nodes: list[Node]) -> list[Node]:
    """Depth-first order from the roots; a loop in stored data (no root reaches it) is cut open at one person."""
    by_id = {node.id: node for node in nodes}
    order, seen = [], set()
    pending = list(roots)
    leftovers = iter(sorted(nodes, key=_order))
    while True:
        stack = list(reversed(pending))
        while stack:
            node = stack.pop()
            if node.id in seen:
                continue
            seen.add(node.id)
            order.append(node)
            stack.extend(reversed([child for child in node.children if child.id not in seen]))
        if len(seen) == len(nodes):
            return order
        # Everyone left sits on a loop or under one: draw its first person as a root.
        cut = next(node for node in leftovers if node.id not in seen)
        by_id[cut.reports_to_id].children.remove(cut)
        cut.reports_to_id = cut.manager_name = None
        roots.append(cut)
        pending = [cut]


def layout(nodes: list[Node]) -> tuple[list[Node], list[Edge], int, int]:
    """Place every node (x, y of its top-left corner); returns the nodes in drawing order, the edges and
    the drawing's size. No two nodes overlap and every manager sits above its reports."""
    if not nodes:
        return [], [], 2 * MARGIN + 6 * LEGEND_STEP, 2 * MARGIN + LEGEND_HEIGHT
    roots = _link(nodes)
    order = _walk(roots, nodes)
    for node in order:
        for child in node.children:
            child.depth = node.depth + 1
    for node in order:
        if len(node.children) >= STACK_FROM and all(not child.children for child in node.children):
            for child in node.children:
                child.stacked = True
    # People with neither manager nor reports on the map (common while reports-to is still being filled in)
    # go into a grid beside the trees rather than one column each.
    lone = {node.id for node in roots if not node.children}
    # Columns, from the leaves up (reverse depth-first order visits every report before its manager).
    column: dict[int, float] = {}
    next_column = 0
    for node in reversed(order):
        if node.stacked or node.id in lone:
            continue  # drawn in its manager's column, or in the grid
        children = node.children
        if not children or children[0].stacked:
            column[node.id] = next_column
            next_column += 1
        else:
            column[node.id] = (column[children[0].id] + column[children[-1].id]) / 2
    # The reverse walk numbers columns right to left; mirror them so the chart reads left to right.
    # Roots and siblings were visited in order, so after mirroring the first comes first.
    tree_columns = next_column
    height, grid_index = 0, 0
    for node in order:
        if node.stacked:
            continue
        if node.id in lone:
            node.x = MARGIN + (tree_columns + grid_index % LONE_COLUMNS) * COLUMN_WIDTH
            node.y = MARGIN + (grid_index // LONE_COLUMNS) * ROW_HEIGHT
            grid_index += 1
        else:
            node.x = MARGIN + round((tree_columns - 1 - column[node.id]) * COLUMN_WIDTH)
            node.y = MARGIN + node.depth * ROW_HEIGHT
        height = max(height, node.bottom)
        if node.children and node.children[0].stacked:
            for index, child in enumerate(node.children, start=1):
                child.x = node.x + STACK_INDENT
                child.y = node.y + index * STACK_STEP
                height = max(height, child.bottom)
    edges = [Edge(manager=node, report=child) for node in order for child in node.children]
    columns = tree_columns + min(len(lone), LONE_COLUMNS)
    # At least as wide as the legend, which names all six attitudes.
    width = max(2 * MARGIN + (columns - 1) * COLUMN_WIDTH + NODE_WIDTH, 2 * MARGIN + 6 * LEGEND_STEP)
    return order, edges, width, height + MARGIN + LEGEND_HEIGHT


# --- drawing ---------------------------------------------------------------------------------------------------

# Generic font names only: the file must look the same without any web font or stylesheet.
FONT = "DejaVu Sans, Arial, Helvetica, sans-serif"


def _text(x: int, y: int, content: str, fill: str = "#37474f", bold: bool = False) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return f'<text x="{x}" y="{y}" fill="{fill}"{weight}>{escape(content)}</text>'


def _node_svg(node: Node) -> str:
    tooltip = " · ".join(part for part in (node.name, node.title, node.account_name) if part)
    background = "#f5f5f5" if node.has_left else "#ffffff"
    dashes = ' stroke-dasharray="5 3"' if node.has_left else ""
    lines = [
        f'<g class="rm-node" transform="translate({node.x},{node.y})" data-contact-id="{node.id}" '
        f'data-name="{escape(node.name)}" data-editable="{"true" if node.editable else "false"}">',
        f"<title>{escape(tooltip)}</title>",
        f'<rect width="{node.width}" height="{NODE_HEIGHT}" rx="6" fill="{background}" stroke="#455a64"{dashes}/>',
        f'<rect width="7" height="{NODE_HEIGHT}" rx="3" fill="{node.attitude_colour}"/>',
        _text(16, 20, node.short_name + (" (left)" if node.has_left else ""), "#111111", bold=True),
        _text(16, 37, node.short_title or "—"),
        _text(16, 54, node.role_line),
        _text(16, 71, f"● {node.attitude_label}", node.attitude_colour, bold=True),
        _text(16, 88, node.short_owner),
        _text(16, 105, f"Last contact: {node.last_contact_text}"),
        "</g>",
    ]
    return "".join(lines)


def to_svg(rmap: RelationshipMap) -> str:
    """The chart as one self-contained SVG element: presentation attributes only, every text XML-escaped.

    Built with plain string joins rather than a template: a 150-person chart has some 2,000 values to write,
    which a template engine renders several times slower.
    """
    count = len(rmap.nodes)
    summary = f"{count} stakeholder{'' if count == 1 else 's'} by reporting line"
    if rmap.include_subsidiaries:
        summary += ", subsidiaries included"
    if not rmap.include_left:
        summary += "; people who left are not shown"
    width, height = rmap.width, rmap.height
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" version="1.1" id="relationship-map-svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" aria-labelledby="rm-title rm-desc" '
        f'font-family="{FONT}" font-size="12">',
        f'<title id="rm-title">Relationship map of {escape(rmap.account.name)}</title>',
        f'<desc id="rm-desc">{escape(summary)}. The table below the chart lists the same people.</desc>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        '<g fill="none" stroke="#78909c" stroke-width="1.5">',
        *(
            f'<path d="{edge.path}" data-manager="{edge.manager.id}" data-report="{edge.report.id}"/>'
            for edge in rmap.edges
        ),
        "</g>",
        *(_node_svg(node) for node in rmap.nodes),
        f'<g transform="translate(0,{height - 30})">',
        *(
            f'<rect x="{item["x"]}" y="4" width="12" height="12" rx="2" fill="{item["colour"]}"/>'
            + _text(item["x"] + 16, 14, item["label"])
            for item in rmap.legend
        ),
        "</g></svg>",
    ]
    return "\n".join(parts)
