from .views import exports, observatory, statistics

app_name = "reporting"
urlpatterns = [*statistics.urlpatterns, *observatory.urlpatterns, *exports.urlpatterns]
