from ._client import UPLOAD_TYPES, AsyncRedFlag
from ._models import (
    ANALYSIS_TYPES,
    AnalysisResult,
    AnalysisType,
    Content,
    ContentType,
    Dimension,
    Operation,
    OperationData,
    OperationQuery,
    OperationStatus,
)
from ._sync import RedFlag

__all__ = [
    "ANALYSIS_TYPES",
    "UPLOAD_TYPES",
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
]
