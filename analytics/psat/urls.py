"""/psat/ (namespace "psat"): the public single-use survey link, the signed-in answer page, the thank-you page.
No partner scope (see views.py); mounted in prm/urls.py."""

from django.urls import path

from . import views

urlpatterns = [
    path("thanks/", views.thanks, name="thanks"),
    path("answer/<int:pk>/", views.member_answer, name="member_answer"),
    path("<str:token>/", views.answer, name="answer"),
]
