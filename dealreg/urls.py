app_name = "dealreg"
urlpatterns: list = []
