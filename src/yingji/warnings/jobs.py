"""The worker's clock jobs for warnings: poll feed sources, mark expired warnings."""

from yingji.core.periodic import every


@every(60)
def poll_feeds():
    from yingji.warnings import services

    services.poll_due()


@every(60)
def expire_warnings():
    from yingji.warnings import services

    services.expire_due()
