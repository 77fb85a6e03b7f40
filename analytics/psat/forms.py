"""The one-question survey form: a 0-10 scale, an optional comment, the anonymous choice where the survey allows
it, and a honeypot. The service validates again (it is the rule); the form gives the same translated messages."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .services import COMMENT_MAX

QUESTION = _("How likely are you to recommend working with us as a partner?")
SCORE_ERROR = _("Choose a score from 0 to 10.")


class PsatAnswerForm(forms.Form):
    score = forms.TypedChoiceField(
        label=QUESTION, choices=[(str(n), str(n)) for n in range(11)], coerce=int, widget=forms.RadioSelect,
        error_messages={"required": SCORE_ERROR, "invalid_choice": SCORE_ERROR},
    )
    comment = forms.CharField(
        label=_("What is the main reason for your score? (optional)"), required=False, max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": COMMENT_MAX}),
        error_messages={"max_length": _("Keep the comment to %(limit_value)d characters or fewer "
                                        "(it has %(show_value)d).")},
    )
    anonymous = forms.BooleanField(
        label=_("Answer anonymously"), required=False,
        help_text=_("Your answer still counts for your company, but your name is not stored with it."),
    )
    # Bots fill every field; people never see this one (visually hidden, out of the tab order).
    homepage = forms.CharField(label=_("Leave this field empty"), required=False,
                               widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}))

    def __init__(self, *args, allow_anonymous: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.allow_anonymous = allow_anonymous
        if not allow_anonymous:
            del self.fields["anonymous"]

    def clean(self):
        data = super().clean()
        if not self.allow_anonymous and self.data.get(self.add_prefix("anonymous")):
            raise forms.ValidationError(_("This survey does not take anonymous answers."), code="anonymous")
        return data

    @property
    def is_spam(self) -> bool:
        return bool((self.data.get(self.add_prefix("homepage")) or "").strip())

    def answer(self) -> dict:
        data = self.cleaned_data
        return {"score": data["score"], "comment": data.get("comment", ""), "anonymous": data.get("anonymous", False)}
