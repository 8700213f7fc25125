"""RedFlag clients, models and enums: ``from labelkit.redflag import Operation, AnalysisType``."""

from ._providers.redflag import *  # noqa: F403
from ._providers.redflag import __all__ as __all__
