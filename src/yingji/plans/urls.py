app_name = "plans"

urlpatterns: list = []
api_urlpatterns: list = []
