from django_tasks import task


@task()
def notify_area(warning_id: int) -> str:
    """Tell the organisations in a published warning's area (run by the worker after the publication committed)."""
    from yingji.warnings import services
    from yingji.warnings.models import Warning

    warning = Warning.objects.select_related("owner").get(pk=warning_id)
    users, contacts = services.notify_area(warning)
    return f"{users} users, {contacts} contacts"
