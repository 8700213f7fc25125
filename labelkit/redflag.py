"""RedFlag clients, models and enums: ``from labelkit.redflag import Operation, AnalysisType``."""

from ._providers.redflag import (
    ANALYSIS_TYPES,
    UPLOAD_TYPES,
    AnalysisResult,
    AnalysisType,
    AsyncRedFlag,
    Content,
    ContentType,
    Dimension,
    Operation,
    OperationData,
    OperationQuery,
    OperationStatus,
    RedFlag,
)

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
