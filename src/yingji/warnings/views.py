import datetime
import hashlib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseNotModified, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.feedgenerator import Atom1Feed
from django.utils.http import http_date, quote_etag
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from yingji.core.generic import (
    ObjectDeleteView,
    ObjectDetailView,
    ObjectEditView,
    ObjectListView,
    act,
    error_text,
)
from yingji.core.scoping import can, in_scope, scoped
from yingji.core.services import save_scoped
from yingji.core.tables import Column
from yingji.rules import cap
from yingji.warnings import cache as warnings_cache
from yingji.warnings import charts, filters, forms, proposals, services
from yingji.warnings.models import (
    CapStatus,
    ExternalWarning,
    FeedSource,
    MsgType,
    Observation,
    Station,
    StationAlert,
    Warning,
)

LEVEL_PIN = {"red": 1, "orange": 2, "yellow": 3, "blue": 4}
PUBLIC_MAX_AGE = 60


def home_panel(request):
    """Actual warnings in force on the home page (Exercise / Test ones are in the banner of every page): one
    query."""
    warnings = list(
        scoped(services.published_in_force(), request.user)
        .filter(status=CapStatus.ACTUAL)
        .only("pk", "headline", "status", "sent")[:10]
    )
    return {"warnings": warnings} if warnings else None


WARNING_COLUMNS = [
    Column("headline", gettext_lazy("Headline"), link=True),
    Column("event_type.name", gettext_lazy("Event type")),
    Column("level", gettext_lazy("Level")),
    Column("status", gettext_lazy("Status")),
    Column("msg_type", gettext_lazy("Message type")),
    Column("state", gettext_lazy("State")),
    Column("owner.name", gettext_lazy("Issuing body")),
    Column("sent", gettext_lazy("Sent")),
    Column("expires", gettext_lazy("Expires")),
    Column("identifier", gettext_lazy("CAP identifier")),
]


class WarningListView(ObjectListView):
    model = Warning
    queryset = Warning.objects.select_related("owner", "event_type")
    filterset_class = filters.WarningFilterSet
    columns = WARNING_COLUMNS
    template_name = "warnings/warning_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if not (self.request.htmx and self.request.htmx.target == "object-table"):
            # Raised station alerts no warning was drafted from yet: one query.
            context["proposals"] = proposals.open_proposals(self.request.user)
        return context


class WarningDetailView(ObjectDetailView):
    model = Warning
    queryset = Warning.objects.select_related(
        "owner__division", "event_type", "replaces", "approved_by", "published_by", "created_by"
    )
    template_name = "warnings/warning_detail.html"
    fields = [
        Column("event_type", gettext_lazy("Event type")),
        Column("level", gettext_lazy("Level")),
        Column("msg_type", gettext_lazy("Message type")),
        Column("owner.name", gettext_lazy("Issuing body")),
        Column("area_desc", gettext_lazy("Area")),
        Column("effective", gettext_lazy("Effective")),
        Column("onset", gettext_lazy("Onset")),
        Column("expires", gettext_lazy("Expires")),
        Column("audience", gettext_lazy("Audience")),
        Column("description", gettext_lazy("Description")),
        Column("instruction", gettext_lazy("Instructions")),
        Column("created_by", gettext_lazy("Drafted by")),
        Column("approved_by", gettext_lazy("Approved by")),
        Column("approved_at", gettext_lazy("Approved at")),
        Column("published_by", gettext_lazy("Published by")),
        Column("sent", gettext_lazy("Sent")),
        Column("identifier", gettext_lazy("CAP identifier")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warning, user = self.object, self.request.user
        changeable = in_scope(user, warning, "change")
        approver = user.is_superuser or user.role in services.APPROVER_ROLES
        context.update(
            edit_url=context["edit_url"] if warning.state == Warning.State.DRAFT else "",
            delete_url=context["delete_url"] if warning.state == Warning.State.DRAFT else "",
            is_author=warning.created_by_id == user.pk,
            may_approve=changeable and services.may_approve(user, warning),
            may_publish=changeable and approver and warning.state == Warning.State.APPROVED,
            may_follow=changeable
            and warning.state == Warning.State.PUBLISHED
            and warning.msg_type != MsgType.CANCEL,
            may_cancel=changeable
            and services.may_cancel_as(user)
            and warning.state == Warning.State.PUBLISHED
            and warning.msg_type != MsgType.CANCEL,
            divisions=warning.divisions.all(),
            followers=warning.followers.all(),
            station_alerts=list(warning.station_alerts.select_related("station")),
            markers=area_markers([warning]),
            shapes={"polygons": warning.polygons, "circles": warning.circles, "level": warning.level},
        )
        return context


def area_markers(warnings) -> list[dict]:
    markers = []
    for w in warnings:
        point = w.centre()
        if point is None and hasattr(w, "divisions"):
            divisions = [d for d in w.divisions.all() if d.latitude is not None]
            for d in divisions:
                markers.append(
                    {
                        "lat": float(d.latitude),
                        "lon": float(d.longitude),
                        "label": f"{w.headline} · {d.name}",
                        "url": w.get_absolute_url(),
                        "level": LEVEL_PIN.get(w.level, ""),
                    }
                )
            continue
        if point is not None:
            markers.append(
                {
                    "lat": point[0],
                    "lon": point[1],
                    "label": str(w),
                    "url": w.get_absolute_url(),
                    "level": LEVEL_PIN.get(w.level, ""),
                }
            )
    return markers


class WarningEditView(ObjectEditView):
    model = Warning
    form_class = forms.WarningForm
    template_name = "warnings/object_form.html"

    def initial_values(self):
        return {"owner": self.request.user.organisation}

    def form_valid(self, form):
        self._divisions = form.cleaned_data.get("divisions")
        return super().form_valid(form)

    def save(self, obj):
        return services.save_draft(self.request.user, obj, self._divisions)


class WarningDeleteView(ObjectDeleteView):
    model = Warning

    def get_queryset(self):
        return super().get_queryset().filter(state=Warning.State.DRAFT)


def _warning_for(request, pk, action="change") -> Warning:
    return get_object_or_404(scoped(Warning.objects.all(), request.user, action), pk=pk)


def _status_words(warning: Warning) -> str:
    return _("ACTUAL") if warning.is_actual else warning.get_status_display().upper()


@login_required
@require_POST
def approve(request, pk):
    warning = _warning_for(request, pk)
    return act(
        request,
        warning,
        lambda: services.approve(request.user, warning),
        _("Approved (%(status)s).") % {"status": _status_words(warning)},
        follow_result=True,
    )


@login_required
def publish(request, pk):
    """A confirmation page naming the warning and its status (Actual or Exercise / Test); the POST publishes."""
    warning = _warning_for(request, pk)
    status = _status_words(warning)
    if request.method == "POST":
        return act(
            request,
            warning,
            lambda: services.publish(request.user, warning),
            _("Published as %(status)s.") % {"status": status},
            follow_result=True,
        )
    return _confirm_step(
        request,
        warning,
        "publish",
        _("Publish this warning?"),
        _(
            "You are publishing this %(status)s warning. It goes to the public page, the feed and its CAP address at "
            "once, and the organisations in its area are told."
        )
        % {"status": status},
        _("Publish this %(status)s warning") % {"status": status},
    )


def _confirm_step(request, warning, step: str, title, explanation, button):
    return render(
        request,
        "warnings/confirm_step.html",
        {"object": warning, "step": step, "title": title, "explanation": explanation, "button": button},
    )


@login_required
@require_POST
def start_update(request, pk):
    warning = _warning_for(request, pk)
    return act(
        request,
        warning,
        lambda: services.start_update(request.user, warning),
        _("An update is drafted: edit it, then have it approved and published."),
        follow_result=True,
    )


@login_required
def cancel(request, pk):
    """A confirmation page naming the warning and its status; the POST publishes the Cancel message."""
    warning = _warning_for(request, pk)
    if request.method == "POST":
        return act(
            request,
            warning,
            lambda: services.cancel(request.user, warning, request.POST.get("reason", "")),
            _("Cancelled (%(status)s): %(headline)s")
            % {"status": _status_words(warning), "headline": warning.headline},
            follow_result=True,
        )
    return _confirm_step(
        request,
        warning,
        "cancel",
        _("Cancel this warning?"),
        _(
            "You are cancelling this %(status)s warning. A Cancel message referring to it is published at once and "
            "everyone who received it is told."
        )
        % {"status": _status_words(warning)},
        _("Cancel this %(status)s warning") % {"status": _status_words(warning)},
    )


@login_required
def map_view(request):
    ours = list(scoped(services.in_force(), request.user).prefetch_related("divisions"))
    exercises = list(scoped(services.exercises_in_force(), request.user).prefetch_related("divisions"))
    now = timezone.now()
    received = list(
        scoped(ExternalWarning.objects.all(), request.user)
        .filter(expires__gt=now, replaced_by=None)
        .exclude(msg_type="Cancel")[:200]
    )
    markers = area_markers(ours) + area_markers(exercises) + area_markers(received)
    return render(
        request,
        "warnings/map.html",
        {
            "title": _("Warnings map"),
            "ours": ours,
            "exercise_list": exercises,
            "received": received,
            "markers": markers,
            "shapes": [
                {"polygons": w.polygons, "circles": w.circles, "level": w.level}
                for w in ours + exercises + received
            ],
        },
    )


# ---- Public: CAP XML, Atom feed, the page of warnings in force ----------------------------------------------


def _conditional(request, etag: str, last_modified, build):
    """304 when the client holds this version; else the response `build()` makes, with validators and
    cache headers (public: proxies may serve it to everyone)."""
    etag = quote_etag(etag)
    response = HttpResponseNotModified() if request.headers.get("If-None-Match") == etag else build()
    response["ETag"] = etag
    if last_modified is not None:
        response["Last-Modified"] = http_date(last_modified.timestamp())
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    return response


@require_GET
def cap_xml(request, identifier):
    """A published warning's CAP 1.2 message, at a stable URL; it never changes once sent."""
    warning = (
        Warning.objects.filter(identifier=identifier, sent__isnull=False)
        .only("cap_xml", "updated_at", "sent", "identifier")
        .first()
    )
    if warning is None or not warning.cap_xml:
        raise Http404
    etag = hashlib.sha256(warning.cap_xml.encode("utf-8")).hexdigest()[:32]
    return _conditional(
        request,
        etag,
        warning.sent,
        lambda: HttpResponse(
            warning.cap_xml.encode("utf-8"), content_type="application/cap+xml; charset=utf-8"
        ),
    )


def _public_list():
    return list(
        services.in_force()
        .select_related("owner", "event_type")
        .only(
            "pk",
            "headline",
            "level",
            "description",
            "instruction",
            "area_desc",
            "effective",
            "expires",
            "sent",
            "identifier",
            "msg_type",
            "updated_at",
            "owner__name",
            "event_type__name",
            "event_type__code",
        )
        .order_by("-sent")[:200]
    )


def _version(items) -> tuple[str, object]:
    stamp = max((w.updated_at for w in items), default=None)
    key = ",".join(f"{w.pk}:{w.updated_at.timestamp()}" for w in items)
    return hashlib.sha256(key.encode()).hexdigest()[:32], stamp


def _public_page() -> tuple[dict, list]:
    """The public page rendered, with its validators; and the expiry times of its warnings (for the cache)."""
    items = _public_list()
    etag, stamp = _version(items)
    with translation.override("zh-hans"):
        html = render_to_string(
            "warnings/public.html",
            {"warnings": items, "now": timezone.now(), "feed_url": reverse("warnings:feed")},
        )
    page = {"html": html.encode("utf-8"), "etag": "p" + etag, "last_modified": stamp}
    return page, [w.expires for w in items]


@require_GET
def public(request):
    """Warnings in force, in Chinese, for everyone: no session, cacheable. The rendered page is kept in the cache
    under the warnings version (warnings/cache.py): while no warning changes, a request costs no query and no
    rendering, and a client holding the page's ETag gets 304."""
    page = warnings_cache.cached("public", _public_page)
    return _conditional(request, page["etag"], page["last_modified"], lambda: HttpResponse(page["html"]))


@require_GET
def feed(request):
    """An Atom feed of Actual warnings in force; each entry links the CAP message."""
    items = _public_list()
    etag, stamp = _version(items)

    def build():
        with translation.override("zh-hans"):
            atom = Atom1Feed(
                title="预警信息",
                link=request.build_absolute_uri(reverse("warnings:public")),
                description="生效中的预警",
                language="zh-CN",
                feed_url=request.build_absolute_uri(reverse("warnings:feed")),
                feed_guid=request.build_absolute_uri(reverse("warnings:feed")),
            )
            for w in items:
                atom.add_item(
                    title=w.headline,
                    link=request.build_absolute_uri(reverse("warnings:cap", args=[w.identifier])),
                    description=w.description,
                    unique_id=f"urn:cap:{w.identifier}",
                    pubdate=w.sent,
                    updateddate=w.updated_at,
                    author_name=w.owner.name,
                    categories=[w.event_type.name, w.get_level_display()],
                    enclosures=None,
                )
            body = atom.writeString("utf-8")
        return HttpResponse(body, content_type="application/atom+xml; charset=utf-8")

    return _conditional(request, "f" + etag, stamp, build)


# ---- Received warnings, imports, feed sources ---------------------------------------------------------------

EXTERNAL_COLUMNS = [
    Column("headline", gettext_lazy("Headline"), link=True),
    Column("event", gettext_lazy("Event")),
    Column("level", gettext_lazy("Level")),
    Column("status", gettext_lazy("Status")),
    Column("msg_type", gettext_lazy("Message type")),
    Column("sender_name", gettext_lazy("Sender name")),
    Column("sent", gettext_lazy("Sent")),
    Column("expires", gettext_lazy("Expires")),
    Column("channel", gettext_lazy("Received by")),
]


class ExternalWarningListView(ObjectListView):
    model = ExternalWarning
    queryset = ExternalWarning.objects.defer("xml", "description", "instruction")
    filterset_class = filters.ExternalWarningFilterSet
    columns = EXTERNAL_COLUMNS
    template_name = "warnings/object_list.html"


class ExternalWarningDetailView(ObjectDetailView):
    model = ExternalWarning
    template_name = "warnings/external_detail.html"
    fields = [
        Column("sender", gettext_lazy("Sender")),
        Column("identifier", gettext_lazy("Identifier")),
        Column("sent", gettext_lazy("Sent")),
        Column("status", gettext_lazy("Status")),
        Column("msg_type", gettext_lazy("Message type")),
        Column("references", gettext_lazy("References")),
        Column("replaced_by", gettext_lazy("Updated or cancelled by")),
        Column("cap_version", gettext_lazy("CAP version")),
        Column("event", gettext_lazy("Event")),
        Column("sender_name", gettext_lazy("Sender name")),
        Column("severity", gettext_lazy("Severity")),
        Column("level", gettext_lazy("Level")),
        Column("urgency", gettext_lazy("Urgency")),
        Column("certainty", gettext_lazy("Certainty")),
        Column("area_desc", gettext_lazy("Area")),
        Column("effective", gettext_lazy("Effective")),
        Column("expires", gettext_lazy("Expires")),
        Column("description", gettext_lazy("Description")),
        Column("instruction", gettext_lazy("Instructions")),
        Column("channel", gettext_lazy("Received by")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        obj = self.object
        context.update(
            edit_url="",
            markers=area_markers([obj]),
            shapes={"polygons": obj.polygons, "circles": obj.circles, "level": obj.level},
        )
        return context


class ExternalWarningDeleteView(ObjectDeleteView):
    model = ExternalWarning


@login_required
def import_view(request):
    if not can(request.user, "add", ExternalWarning):
        raise PermissionDenied
    form = forms.ImportForm(request.POST or None, request.FILES or None)
    problems = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data["file"].read(services.MAX_CAP_BYTES + 1)
        try:
            record, created = services.import_cap(request.user, data, ExternalWarning.Channel.UPLOAD)
        except cap.CapError as exc:
            problems = [str(p) for p in exc.problems]
        except (ValidationError, PermissionDenied) as exc:
            problems = [error_text(exc)]
        else:
            if created:
                messages.success(request, _("Imported: %(alert)s") % {"alert": record})
            else:
                messages.info(
                    request,
                    _("Already held (same sender, identifier and sent time): %(alert)s") % {"alert": record},
                )
            return HttpResponseRedirect(record.get_absolute_url())
    status = 400 if problems else 200
    return render(
        request,
        "warnings/import.html",
        {
            "form": form,
            "problems": problems,
            "title": _("Import a CAP message"),
        },
        status=status,
    )


class FeedSourceListView(ObjectListView):
    model = FeedSource
    queryset = FeedSource.objects.select_related("owner")
    filterset_class = filters.FeedSourceFilterSet
    columns = [
        Column("name", gettext_lazy("Name"), link=True),
        Column("url", gettext_lazy("Feed URL")),
        Column("active", gettext_lazy("Active")),
        Column("last_polled_at", gettext_lazy("Last polled at")),
        Column("last_result", gettext_lazy("Last result")),
    ]


class FeedSourceDetailView(ObjectDetailView):
    model = FeedSource
    template_name = "warnings/feedsource_detail.html"
    fields = [
        Column("url", gettext_lazy("Feed URL")),
        Column("owner.name", gettext_lazy("Owner")),
        Column("active", gettext_lazy("Active")),
        Column("interval_minutes", gettext_lazy("Poll every (minutes)")),
        Column("last_polled_at", gettext_lazy("Last polled at")),
        Column("last_result", gettext_lazy("Last result")),
    ]


class FeedSourceEditView(ObjectEditView):
    model = FeedSource
    form_class = forms.FeedSourceForm

    def initial_values(self):
        return {"owner": self.request.user.organisation}

    def save(self, obj):
        return save_scoped(self.request.user, obj)


class FeedSourceDeleteView(ObjectDeleteView):
    model = FeedSource


@login_required
@require_POST
def poll_now(request, pk):
    source = get_object_or_404(scoped(FeedSource.objects.all(), request.user, "change"), pk=pk)
    result = services.poll(source)
    (messages.error if result.errors else messages.success)(request, result.summary())
    return HttpResponseRedirect(source.get_absolute_url())


# ---- Monitoring stations and the warnings their alerts propose ----------------------------------------------

CHART_DAYS = 7
CHART_MAX_POINTS = 2016  # a week of readings every 5 minutes
STATION_ALERTS = 20

STATION_COLUMNS = [
    Column("code", gettext_lazy("Station code"), link=True),
    Column("name", gettext_lazy("Name"), link=True),
    Column("kind", gettext_lazy("Kind")),
    Column("division.name", gettext_lazy("Division")),
    Column("owner.name", gettext_lazy("Owner")),
    Column("level_name", gettext_lazy("Current level")),
    Column("last_observed_at", gettext_lazy("Last observation")),
    Column("rule", gettext_lazy("Threshold rule")),
]


class StationListView(ObjectListView):
    model = Station
    queryset = Station.objects.select_related("owner", "division")
    filterset_class = filters.StationFilterSet
    columns = STATION_COLUMNS
    hidden_filters = ("owner",)


class StationDetailView(ObjectDetailView):
    """The station, its thresholds, a week of readings drawn against them, and its recent alerts: a fixed number
    of queries whatever the number of readings."""

    model = Station
    queryset = Station.objects.select_related("owner", "division__parent")
    template_name = "warnings/station_detail.html"
    fields = [
        Column("code", gettext_lazy("Station code")),
        Column("kind", gettext_lazy("Kind")),
        Column("owner.name", gettext_lazy("Owner")),
        Column("division.name", gettext_lazy("Division")),
        Column("location", gettext_lazy("Location")),
        Column("level_name", gettext_lazy("Current level")),
        Column("last_observed_at", gettext_lazy("Last observation")),
        Column("rule", gettext_lazy("Threshold rule")),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        station, user = self.object, self.request.user
        rule = station.threshold_rule()
        end = timezone.now()
        start = end - datetime.timedelta(days=CHART_DAYS)
        readings = list(
            Observation.objects.filter(station=station, observed_at__gte=start, observed_at__lte=end)
            .order_by("-observed_at")
            .values_list("observed_at", "value")[:CHART_MAX_POINTS]
        )[::-1]
        alerts = list(StationAlert.objects.filter(station=station).select_related("warning")[:STATION_ALERTS])
        may_draft = proposals.may_draft(user, station)
        last = readings[-1] if readings else None
        context.update(
            rule=rule,
            thresholds=charts.threshold_rows(rule),
            chart=charts.station_chart(readings, rule, start, end, charts.KIND_UNITS.get(station.kind, "")),
            chart_days=CHART_DAYS,
            timezone_name=timezone.get_current_timezone_name(),
            reading_count=len(readings),
            last_reading=last,
            alerts=alerts,
            proposals=proposals.still_open(alerts) if may_draft else [],
            may_draft=may_draft,
        )
        return context


class StationEditView(ObjectEditView):
    model = Station
    form_class = forms.StationForm

    def initial_values(self):
        return {"owner": self.request.user.organisation}


class StationDeleteView(ObjectDeleteView):
    model = Station


class WarningFromAlertView(WarningEditView):
    """`/warnings/new/?alert=<id>`: the warning form prefilled from a raised station alert. Saving makes an
    ordinary draft authored by the user, and links the alert to it."""

    template_name = "warnings/warning_from_alert.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.alert = proposals.alert_for(request.user, request.GET.get("alert", ""))
            if self.alert.warning is not None:
                messages.info(
                    request,
                    _("A warning was already drafted from this alert: %(warning)s")
                    % {"warning": self.alert.warning},
                )
                return HttpResponseRedirect(self.alert.warning.get_absolute_url())
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {**super().get_initial(), **proposals.initial(self.request.user, self.alert)}

    def save(self, obj):
        return proposals.draft_from_alert(self.request.user, self.alert, obj, self._divisions)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            title=_("Draft a warning from a station alert"),
            alert=self.alert,
            rule=self.alert.station.threshold_rule(),
        )
        return context
