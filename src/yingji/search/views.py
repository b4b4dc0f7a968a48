from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _

from yingji.search import query
from yingji.search.forms import SearchForm

PER_PAGE = 20


@login_required
def search_page(request):
    form = SearchForm(request.GET, user=request.user)
    results = None
    if form.is_valid() and form.cleaned_data["q"].strip():
        results = query.search(
            request.user,
            form.cleaned_data["q"],
            page=form.cleaned_data.get("page") or 1,
            per_page=PER_PAGE,
            **form.filters(),
        )
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "search/search.html",
        {
            "title": _("Search"),
            "form": form,
            "results": results,
            "query_string": params.urlencode(),
        },
    )
