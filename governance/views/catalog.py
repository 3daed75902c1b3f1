"""The indicator-type catalog page."""

from __future__ import annotations

from django.shortcuts import render

from config.pages import page
from governance.selectors.catalog import indicator_type_list


@page
def catalog(request):
    types = indicator_type_list(actor=request.user)
    return render(request, "governance/catalog.html", {"types": types})
