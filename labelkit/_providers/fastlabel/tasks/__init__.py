"""FastLabel tasks: one :class:`~._kinds.TaskKind` per task type, the one mechanism that
sends them (:mod:`._mechanism`), the per-type entries, operations on tasks of any type,
import histories and bulk creation."""
