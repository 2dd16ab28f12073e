from ninja import Router

router = Router(tags=["sales_import"])
