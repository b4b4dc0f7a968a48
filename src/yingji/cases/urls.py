app_name = "cases"

urlpatterns: list = []
api_urlpatterns: list = []
