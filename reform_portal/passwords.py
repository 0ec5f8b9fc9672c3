"""Password validators with Chinese messages where Django's own catalogue has none.

Django 5.2 changed the minimum-length message's placeholder (``%d``), and its zh_Hans catalogue still has the
old one (``%(min_length)d``), so the message came out in English on a Chinese page."""

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(
                self.get_error_message(), code="password_too_short", params={"min_length": self.min_length}
            )

    def get_error_message(self):
        return gettext("密码太短，至少需要%(min_length)d个字符。") % {"min_length": self.min_length}

    def get_help_text(self):
        return gettext("密码至少需要%(min_length)d个字符。") % {"min_length": self.min_length}
