"""The public provider modules re-export their provider package's ``__all__``.

The lists below are the names each module exported when it still copied the list by
hand; a name dropped from a provider package would silently vanish from the public
module, so the snapshot makes that a visible change.
"""

from __future__ import annotations

import importlib

import pytest

PUBLIC_NAMES: dict[str, list[str]] = {
    "cloudsight": [
        "APIError",  # the official SDK's except cloudsight.APIError (drop-in)
        "AsyncCloudSight",
        "CloudSight",
        "CloudSightAPIError",
        "DEFAULT_POLL",
        "ImageJob",
        "JobStatus",
        "REASON_BLURRY",
        "REASON_BRIGHT",
        "REASON_CLOSE",
        "REASON_DARK",
        "REASON_OFFENSIVE",
        "REASON_UNSURE",
        "STATUS_COMPLETED",
        "STATUS_NOT_COMPLETED",
        "STATUS_NOT_FOUND",
        "STATUS_SKIPPED",
        "STATUS_TIMEOUT",
        "SkipReason",
    ],
    "datawow": [
        "AsyncChoices",
        "AsyncClosedQuestions",
        "AsyncDatawow",
        "AsyncMessages",
        "AsyncPhotoTags",
        "AsyncPredictions",
        "ChoiceImage",
        "ClosedQuestionAnswer",
        "ClosedQuestionImage",
        "DEFAULT_POLL",
        "Datawow",
        "Demographic",
        "Image",
        "ImagePage",
        "ImageStatus",
        "MessageImage",
        "POSTBACK_METHODS",
        "PageMeta",
        "PhotoTagImage",
        "Postback",
        "PostbackReceiver",
        "PredictionImage",
        "parse_postback",
    ],
    "fastlabel": [
        "Annotation",
        "AnnotationClass",
        "AppendixData",
        "AsyncFastLabel",
        "AudioTask",
        "AutoAnnotationJob",
        "ClassificationTask",
        "Comment",
        "CommentThread",
        "Content",
        "CustomModel",
        "DATASET_OBJECT_TYPES",
        "DEFAULT_HISTORY_POLL",
        "Dataset",
        "DatasetDownload",
        "DatasetObject",
        "DicomTask",
        "EndpointResult",
        "EvaluationJob",
        "FastLabel",
        "FastLabelModel",
        "History",
        "HistoryStatus",
        "IgnoredArgumentWarning",
        "ImageTask",
        "IntegratedTask",
        "JOB_POLL",
        "KINDS",
        "LeRobotConverter",
        "MODULES",
        "MetadataDefinition",
        "MultiImageClassificationTask",
        "MultiModalVideoAudioTask",
        "PROJECT_ROLES",
        "PcdTask",
        "Priority",
        "Project",
        "RoboticsTask",
        "SequentialImageTask",
        "SequentialPcdTask",
        "SkippedObject",
        "Tag",
        "Task",
        "TaskKind",
        "TaskStatus",  # added with the one model API: FastLabel task statuses are an enum
        "TextTask",
        "TrainingJob",
        "VideoTask",
        "WorkspaceUser",
    ],
    "redflag": [
        "ANALYSIS_TYPES",
        "AnalysisResult",
        "AnalysisType",
        "AsyncRedFlag",
        "Content",
        "ContentType",
        "Dimension",
        "Operation",
        "OperationData",
        "OperationQuery",
        "OperationStatus",
        "RedFlag",
        "UPLOAD_TYPES",
    ],
    "scale": [
        "AsyncScale",
        "Batch",
        "BatchStatus",
        "BatchStatusReport",
        "Batchlist",
        "Callback",
        "CallbackReceiver",
        "CallbackVerifier",
        "DEFAULT_POLL",
        "DEFAULT_RETRY",
        "File",
        "NotEnabledError",
        "Project",
        "QualityTask",
        "Scale",
        "StudioBatch",
        "StudioProjectGroup",
        "Task",
        "TaskReviewStatus",
        "TaskStatus",
        "TaskTemplate",
        "TaskType",
        "Tasklist",
        "TeamMember",
        "TeamRole",
        "new_unique_id",
        "parse_callback",
    ],
}


@pytest.mark.parametrize("name", sorted(PUBLIC_NAMES))
def test_star_import_exposes_the_same_names_as_before(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from labelkit.{name} import *", namespace)
    namespace.pop("__builtins__", None)
    assert sorted(namespace) == PUBLIC_NAMES[name]


@pytest.mark.parametrize("name", sorted(PUBLIC_NAMES))
def test_public_module_reexports_the_provider_packages_list(name: str) -> None:
    public = importlib.import_module(f"labelkit.{name}")
    provider = importlib.import_module(f"labelkit._providers.{name}")
    assert public.__all__ is provider.__all__
    for item in public.__all__:
        assert getattr(public, item) is getattr(provider, item)
