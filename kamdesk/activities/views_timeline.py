"""The account's Timeline tab: activities, reviews, tasks and changes of the account, newest first.

Filters come from the query string (types, subsidiaries, date range) and the page from a keyset cursor in
``before`` — the "Older" link — so a long history pages at the same cost as a short one.
"""

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from kamdesk.accounts.views import _account_page, _visible_account
from kamdesk.activities.timeline import TYPES, Cursor, InvalidCursor, TimelineQuery, account_timeline

TAB = "activities:timeline"


class TimelineForm(forms.Form):
    types = forms.MultipleChoiceField(
        label="Show", choices=list(TYPES.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    subsidiaries = forms.BooleanField(label="Include subsidiaries", required=False)
    since = forms.DateField(label="From", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label="To", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    before = forms.CharField(required=False, max_length=70, widget=forms.HiddenInput)

    def clean_before(self) -> Cursor | None:
        text = self.cleaned_data.get("before")
        if not text:
            return None
        try:
            return Cursor.parse(text)
        except InvalidCursor as exc:
            raise forms.ValidationError(str(exc)) from None

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", "The end of the range cannot be before its start.")
        return data

    def query(self) -> TimelineQuery:
        """The filters as far as they are valid: Django leaves an invalid one out of cleaned_data (its error
        is shown on the form)."""
        self.is_valid()
        data = self.cleaned_data
        return TimelineQuery(
            types=frozenset(data.get("types") or ()),
            include_subsidiaries=bool(data.get("subsidiaries")),
            since=data.get("since"),
            until=data.get("until"),
            before=data.get("before"),
        )


@login_required
@require_GET
def account_timeline_view(request: HttpRequest, pk: int) -> HttpResponse:
    account = _visible_account(request, pk)
    form = TimelineForm(request.GET)
    query = form.query()
    page = account_timeline(request.user, account, query)
    context = _account_page(
        request,
        account,
        TAB,
        form=form,
        page=page,
        query=query,
        first_page=query.before is None,
        has_subsidiaries=bool(account.subsidiary_count),
    )
    return render(request, "activities/account_timeline.html", context, status=400 if form.errors else 200)
