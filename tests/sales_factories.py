"""Builders for products and sales facts in tests."""

import itertools
from datetime import date
from decimal import Decimal

from kamdesk.sales.models import Product, SalesLine

_seq = itertools.count(1)


def make_product(**fields) -> Product:
    n = next(_seq)
    fields.setdefault("sku", f"SKU-{n:05d}")
    fields.setdefault("name", f"Product {n}")
    fields.setdefault("category", "General")
    fields.setdefault("list_price", Decimal("10.00"))
    fields.setdefault("standard_cost", Decimal("6.00"))
    return Product.objects.create(**fields)


def make_sale(account, product, day: date, quantity="1", net="10.00", cost="6.00", **fields) -> SalesLine:
    """One sales line; roll-ups are NOT refreshed (call kamdesk.sales.rollups.refresh or rebuild)."""
    net = Decimal(net)
    fields.setdefault("document", f"INV-{next(_seq):07d}")
    fields.setdefault("line", 1)
    fields.setdefault("gross_amount", net + Decimal(fields.get("discount", "0")))
    return SalesLine.objects.create(
        account=account,
        product=product,
        date=day,
        quantity=Decimal(quantity),
        net_amount=net,
        cost=Decimal(cost),
        **fields,
    )
