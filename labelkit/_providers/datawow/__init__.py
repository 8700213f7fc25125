from ._client import DEFAULT_POLL, AsyncDatawow
from ._forms import url_custom_id
from ._models import (
    POSTBACK_METHODS,
    ChoiceImage,
    ClosedQuestionAnswer,
    ClosedQuestionImage,
    Demographic,
    Image,
    ImagePage,
    ImageStatus,
    MessageImage,
    PageMeta,
    PhotoTagImage,
    PredictionImage,
)
from ._postback import Postback, PostbackReceiver, parse_postback
from ._resources import (
    AsyncChoices,
    AsyncClosedQuestions,
    AsyncMessages,
    AsyncPhotoTags,
    AsyncPredictions,
)
from ._sync import Datawow

__all__ = [
    "DEFAULT_POLL",
    "POSTBACK_METHODS",
    "AsyncChoices",
    "AsyncClosedQuestions",
    "AsyncDatawow",
    "AsyncMessages",
    "AsyncPhotoTags",
    "AsyncPredictions",
    "ChoiceImage",
    "ClosedQuestionAnswer",
    "ClosedQuestionImage",
    "Datawow",
    "Demographic",
    "Image",
    "ImagePage",
    "ImageStatus",
    "MessageImage",
    "PageMeta",
    "PhotoTagImage",
    "Postback",
    "PostbackReceiver",
    "PredictionImage",
    "parse_postback",
    "url_custom_id",
]
