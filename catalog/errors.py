"""What can go wrong with a photo, in words the person adding it understands."""

from frameseller.exceptions import ApplicationError


class PhotoInvalid(ApplicationError):
    code = "photo_invalid"
    default_message = "This file is not a photo the shop can sell."
