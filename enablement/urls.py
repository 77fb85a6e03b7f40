"""/portal/learning/: a person's learning, the catalogue and paths, courses with the lesson player and quiz,
certificates, the team's progress (partner admins), the asset library and co-branding.

views/portal.py: my learning, catalogue, paths, certificates, team; views/learning.py: a course, its lessons and
quiz; views/assets.py: the library, downloads, co-branded one-pagers and the co-branding profile. The public
certificate check (/verify/<code>/, views/verify.py) is mounted outside the portal in prm/urls.py.
"""

from django.urls import path

from .views import assets, learning, portal

app_name = "enablement"

urlpatterns = [
    path("", portal.my_learning, name="my_learning"),
    path("catalogue/", portal.catalogue, name="catalogue"),
    path("paths/", portal.paths, name="paths"),
    path("paths/<slug:code>/choose/", portal.path_choose, name="path_choose"),
    path("certificates/", portal.certificates, name="certificates"),
    path("certificates/<int:pk>/pdf/", portal.certificate_pdf, name="certificate_pdf"),
    path("team/", portal.team_progress, name="team_progress"),
    path("team/assign/", portal.team_assign, name="team_assign"),
    # One course (views/learning.py): keyed by the catalogue's code; progress shown is the requester's own.
    path("courses/<slug:code>/", learning.course_detail, name="course_detail"),
    path("courses/<slug:code>/enroll/", learning.course_enroll_view, name="course_enroll"),
    path("courses/<slug:code>/lessons/<int:pk>/", learning.lesson_detail, name="lesson_detail"),
    path("courses/<slug:code>/lessons/<int:pk>/done/", learning.lesson_complete_view, name="lesson_complete"),
    path("courses/<slug:code>/lessons/<int:pk>/file/", learning.lesson_file, name="lesson_file"),
    path("courses/<slug:code>/quiz/", learning.quiz, name="quiz"),
    path("courses/<slug:code>/quiz/start/", learning.quiz_start, name="quiz_start"),
    # The asset library (views/assets.py)
    path("assets/", assets.asset_library, name="asset_library"),
    path("assets/<int:pk>/download/", assets.asset_download, name="asset_download"),
    path("assets/<int:pk>/one-pager/", assets.asset_one_pager, name="asset_one_pager"),
    path("co-branding/", assets.cobranding_profile, name="cobranding_profile"),
]
