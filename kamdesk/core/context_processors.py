from django.conf import settings


def kamdesk(request):
    return {"reporting_currency": settings.REPORTING_CURRENCY}
