app_name = "regulations"

urlpatterns: list = []
api_urlpatterns: list = []
